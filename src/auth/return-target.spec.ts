import { describe, expect, it } from '@jest/globals';
import { safeReturnTarget } from './return-target';

const APP = 'https://app.example.com/home';
const ALLOWED = ['https://app.example.com', 'https://admin.example.com'];

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
    [undefined, APP],
  ])('%s → %s', (requested, expected) => {
    expect(safeReturnTarget(requested, ALLOWED, APP)).toBe(expected);
  });
});
