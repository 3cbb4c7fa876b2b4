import { describe, expect, it } from '@jest/globals';
import passport from 'passport';
import type { Request, Response } from 'express';
import { ConnectionStrategy, authenticate } from './connection.strategy';

const request = {} as Request;
const response = {} as Response;

describe(ConnectionStrategy.name, () => {
  it('resolves with what its connection verified, per tenant, without a global registration', async () => {
    const first = new ConnectionStrategy('tenant-a', async () => ({ tenant: 'a' }));
    const second = new ConnectionStrategy('tenant-b', async () => ({ tenant: 'b' }));
    const [a, b] = await Promise.all([authenticate(first, request, response), authenticate(second, request, response)]);
    expect([a, b]).toEqual([{ tenant: 'a' }, { tenant: 'b' }]);
    expect(first.name).toBe('sso:tenant-a');
    expect((passport as unknown as { _strategy(name: string): unknown })._strategy('sso:tenant-a')).toBeUndefined();
  });

  it('rejects with the verification error', async () => {
    const failing = new ConnectionStrategy('tenant-c', async () => {
      throw new Error('nonce mismatch');
    });
    await expect(authenticate(failing, request, response)).rejects.toThrow('nonce mismatch');
  });
});
