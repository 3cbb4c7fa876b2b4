import { describe, expect, it } from '@jest/globals';
import { StorableTextPipe, findUnstorableText } from './storable-text.pipe';
import { BadInputError } from './errors';

describe(findUnstorableText.name, () => {
  it('finds nothing in ordinary text, numbers, dates and nulls', () => {
    expect(findUnstorableText({ name: 'Acme ✓ 😀', count: 3, at: new Date(), none: null, list: ['a', 'b'] })).toBeUndefined();
  });

  it('names the path of a string with a NUL character', () => {
    expect(findUnstorableText('a\0')).toEqual([]);
    expect(findUnstorableText({ input: { scopes: ['admin', 'x\0'] } })).toEqual(['input', 'scopes', '1']);
  });

  it('names the path of a string with an unpaired surrogate', () => {
    expect(findUnstorableText({ name: 'a\uD800b' })).toEqual(['name']);
  });
});

describe(StorableTextPipe.name, () => {
  const pipe = new StorableTextPipe();

  it('names a scalar argument by its name and an input field by its own path', () => {
    expect(() => pipe.transform('a\0', { type: 'query', data: 'email' })).toThrow(
      new BadInputError('email', 'must not contain NUL characters or invalid Unicode'),
    );
    expect(() => pipe.transform({ name: 'a\0' }, { type: 'body', data: 'input' })).toThrow(/^name: /);
  });

  it('passes storable values and custom parameters through unchanged', () => {
    const value = { name: 'Acme' };
    expect(pipe.transform(value, { type: 'body', data: 'input' })).toBe(value);
    const caller = { weird: '\0' };
    expect(pipe.transform(caller, { type: 'custom' })).toBe(caller);
  });
});
