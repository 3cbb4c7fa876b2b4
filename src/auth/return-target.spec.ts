import { describe, expect, it } from '@jest/globals';
import { isLoginRoute, normalisedPath, safeReturnTarget } from './return-target';

const APP = 'https://app.example.com/home';
const SERVICE = 'https://sso.example.com';
const POLICY = { allowedReturnOrigins: ['https://app.example.com', 'https://admin.example.com', SERVICE], appUrl: APP, publicUrl: SERVICE };

describe(safeReturnTarget.name, () => {
  it.each([
    ['https://app.example.com/projects/1?tab=2', 'https://app.example.com/projects/1?tab=2'],
    ['https://admin.example.com/', 'https://admin.example.com/'],
    ['https://evil.example.net/', APP],
    ['https://app.example.com.evil.net/', APP],
    ['//evil.example.net/', APP],
    ['/relative', APP],
    ['javascript:alert(1)', APP],
    ['https://user:pass@app.example.com/', APP],
    ['http://app.example.com/', APP],
    ['not a url', APP],
    [`https://app.example.com/${'x'.repeat(2048)}`, APP],
    ['', APP],
    [undefined, APP],
  ])('origins: %s → %s', (requested, expected) => {
    expect(safeReturnTarget(requested, POLICY)).toBe(expected);
  });

  it.each([
    `${SERVICE}/sso/initiate/2b1c1f55-6a59-4d0b-9d6f-0d1c7bb3f4a1`,
    `${SERVICE}/sso/discover?email=a@b.com`,
    `${SERVICE}/sso`,
    `${SERVICE}/oidc/auth?client_id=x`,
    `${SERVICE}/auth/magic-link/verify?token=t`,
    `${SERVICE}/auth/magic-link`,
    `${SERVICE}/SSO/initiate/x`,
    `${SERVICE}/%73so/initiate/x`,
    `${SERVICE}/%2573so/initiate/x`,
    `${SERVICE}//sso/initiate/x`,
    `${SERVICE}/auth/../sso/initiate/x`,
    `${SERVICE}/auth/%2e%2e/sso/initiate/x`,
    `${SERVICE}/auth/%252e%252e/sso/initiate/x`,
    `${SERVICE}/x/..%2fsso/initiate/x`,
    `${SERVICE}/auth%2fmagic-link/verify`,
    `${SERVICE}/x%5c..%5csso/initiate/x`,
    `${SERVICE}/%E0%A4%A/sso`,
  ])('never a login route of this service: %s', (requested) => {
    expect(safeReturnTarget(requested, POLICY)).toBe(APP);
  });

  it.each([`${SERVICE}/auth/me`, `${SERVICE}/ssoish/page`, `${SERVICE}/auth/magic`, 'https://app.example.com/sso/initiate/x'])(
    'keeps other paths of this service and the same paths elsewhere: %s',
    (requested) => {
      expect(safeReturnTarget(requested, POLICY)).toBe(requested);
    },
  );
});

describe(normalisedPath.name, () => {
  it.each([
    ['/a/b', '/a/b'],
    ['/A//B/', '/a/b'],
    ['/a/./b/../c', '/a/c'],
    ['/%61/%2562', '/a/b'],
    ['/../..', '/'],
    ['\\a\\b', '/a/b'],
  ])('%s → %s', (path, expected) => {
    expect(normalisedPath(path)).toBe(expected);
  });

  it('gives up on a path that is not percent-encoded properly or keeps decoding', () => {
    expect(normalisedPath('/%E0%A4%A')).toBeNull();
    expect(normalisedPath('/%2525252573so')).toBeNull();
  });
});

describe(isLoginRoute.name, () => {
  it('guards the login routes under PUBLIC_URL’s own path and at the root', () => {
    const publicUrl = 'https://example.com/identity';
    expect(isLoginRoute('/identity/sso/initiate/x', publicUrl)).toBe(true);
    expect(isLoginRoute('/Identity/OIDC/auth', publicUrl)).toBe(true);
    expect(isLoginRoute('/sso/initiate/x', publicUrl)).toBe(true);
    expect(isLoginRoute('/identity/auth/me', publicUrl)).toBe(false);
  });
});
