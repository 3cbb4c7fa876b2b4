import { describe, expect, it, jest } from '@jest/globals';
import { errors } from 'jose';
import { verifyRefetchingOnce } from './oidc-client.factory';

function keySet(coolingDown: boolean) {
  return { coolingDown, reload: jest.fn(async () => undefined) };
}

describe(verifyRefetchingOnce.name, () => {
  it('verifies without refetching when the signature holds', async () => {
    const keys = keySet(false);
    await expect(verifyRefetchingOnce(async () => 'claims', keys)).resolves.toBe('claims');
    expect(keys.reload).not.toHaveBeenCalled();
  });

  it('refetches once and verifies again when a known key fails the signature', async () => {
    const keys = keySet(false);
    const verify = jest
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new errors.JWSSignatureVerificationFailed())
      .mockResolvedValueOnce('claims');
    await expect(verifyRefetchingOnce(verify, keys)).resolves.toBe('claims');
    expect(keys.reload).toHaveBeenCalledTimes(1);
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('gives up after the one refetch', async () => {
    const keys = keySet(false);
    const verify = jest.fn<() => Promise<string>>().mockRejectedValue(new errors.JWSSignatureVerificationFailed());
    await expect(verifyRefetchingOnce(verify, keys)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('does not refetch within the cooldown', async () => {
    const keys = keySet(true);
    await expect(verifyRefetchingOnce(() => Promise.reject(new errors.JWSSignatureVerificationFailed()), keys)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
    expect(keys.reload).not.toHaveBeenCalled();
  });

  it('does not refetch for other failures (expired, wrong audience)', async () => {
    const keys = keySet(false);
    await expect(verifyRefetchingOnce(() => Promise.reject(new errors.JWTExpired('expired', {})), keys)).rejects.toBeInstanceOf(
      errors.JWTExpired,
    );
    expect(keys.reload).not.toHaveBeenCalled();
  });
});
