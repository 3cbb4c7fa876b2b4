import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPrivateKey, createPublicKey, createHmac, type JsonWebKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT, type JWTPayload, type JWK } from 'jose';
import { startTestApp, type TestApp } from './support/app';
import type { TestDatabase } from './support/database';
import { queryDatabase } from './support/database';
import { startRogueIdp, type RogueIdp } from './support/rogue-idp';
import { createSsoOrganization, signInThroughRogue } from './support/sso-fixture';
import { SecretsCipher } from '../src/common/secrets-cipher';

const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * /auth/me believes a session token only when this service signed it (ES256, with a key of its
 * JWKS), for this issuer, and it has not expired; each forgery below carries a live session's
 * own claims, so that only the part under test is wrong.
 */
describe('session tokens', () => {
  let service: TestApp & { database: TestDatabase };
  let rogue: RogueIdp;
  let token: string;
  let claims: JWTPayload;
  let kid: string;
  let serviceKey: JWK;

  beforeAll(async () => {
    rogue = await startRogueIdp();
    service = await startTestApp();
    const org = await createSsoOrganization(service.url, rogue);
    token = (await signInThroughRogue(service.url, rogue, org.connectionId, `ann@${org.domain}`)).token!;
    claims = decodeJwt(token);
    kid = decodeProtectedHeader(token).kid!;
    const [row] = await queryDatabase<{ private_jwk_encrypted: string }>(
      service.databaseUrl,
      'SELECT private_jwk_encrypted FROM signing_keys WHERE id = $1',
      [kid],
    );
    serviceKey = JSON.parse(service.app.get(SecretsCipher).open(row.private_jwk_encrypted)) as JWK;
  });

  afterAll(async () => {
    await service?.close();
    await service?.database.drop();
    await rogue?.close();
  });

  const me = (bearer: string) => fetch(`${service.url}/auth/me`, { headers: { authorization: `Bearer ${bearer}` } });

  async function signedWith(key: JWK, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT', ...header }).sign(await importJWK(key, 'ES256'));
  }

  it('believes its own token, and the same claims signed again with its key', async () => {
    expect((await me(token)).status).toBe(200);
    expect((await me(await signedWith(serviceKey, claims))).status).toBe(200);
  });

  it('refuses a token signed with another key under its key id', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    expect((await me(await signedWith(await exportJWK(privateKey), claims))).status).toBe(401);
  });

  it('refuses a token of another issuer or none, an expired one or one without expiry, and one changed after signing', async () => {
    expect((await me(await signedWith(serviceKey, { ...claims, iss: 'https://elsewhere.example' }))).status).toBe(401);
    const { iss: _issuer, exp: _expiry, ...unbounded } = claims;
    expect((await me(await signedWith(serviceKey, { ...unbounded, exp: claims.exp }))).status).toBe(401);
    expect((await me(await signedWith(serviceKey, { ...unbounded, iss: claims.iss }))).status).toBe(401);
    const past = Math.floor(Date.now() / 1000) - 60;
    expect((await me(await signedWith(serviceKey, { ...claims, iat: past - 60, exp: past }))).status).toBe(401);
    const [header, , signature] = token.split('.');
    expect((await me(`${header}.${base64url({ ...claims, roles: ['owner'] })}.${signature}`)).status).toBe(401);
  });

  it('refuses an unknown key id, no signature (alg none) and an HMAC keyed with its public key', async () => {
    expect((await me(await signedWith(serviceKey, claims, { kid: 'another-key' }))).status).toBe(401);
    expect((await me(`${base64url({ alg: 'none', kid, typ: 'JWT' })}.${base64url(claims)}.`)).status).toBe(401);
    const publicPem = createPublicKey(createPrivateKey({ key: serviceKey as JsonWebKey, format: 'jwk' }))
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const input = `${base64url({ alg: 'HS256', kid, typ: 'JWT' })}.${base64url(claims)}`;
    expect((await me(`${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`)).status).toBe(401);
  });
});
