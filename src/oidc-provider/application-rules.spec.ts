import { describe, expect, it } from '@jest/globals';
import { applicationUriProblem } from './application-rules';

describe(applicationUriProblem.name, () => {
  it('accepts https anywhere and http on loopback hosts', () => {
    for (const uri of ['https://app.example.com/callback', 'http://localhost:3000/cb', 'http://127.0.0.1:8080/cb', 'http://[::1]:9/cb']) {
      expect(applicationUriProblem(uri)).toBeUndefined();
    }
  });

  it.each([
    ['not a URI', 'callback', /absolute URI/],
    ['plain http to a public host', 'http://app.example.com/cb', /https/],
    ['another scheme', 'javascript:alert(1)', /https/],
    ['credentials', 'https://user:pw@app.example.com/cb', /credentials/],
    ['a fragment', 'https://app.example.com/cb#x', /fragment/],
    ['a wildcard', 'https://*.example.com/cb', /wildcard/],
    ['too long', `https://app.example.com/${'a'.repeat(2048)}`, /at most 2048/],
  ])('refuses %s', (_name, uri, message) => {
    expect(applicationUriProblem(uri)).toMatch(message);
  });
});
