import { describe, expect, it } from '@jest/globals';
import { RequestBatcher } from './request-batcher';

describe(RequestBatcher.name, () => {
  it('loads the keys asked for in one tick with one call', async () => {
    const batcher = new RequestBatcher();
    const calls: string[][] = [];
    const loader = async (keys: readonly string[]) => {
      calls.push([...keys]);
      return new Map(keys.map((key) => [key, key.toUpperCase()]));
    };
    const values = await Promise.all(['a', 'b', 'c', 'a'].map((key) => batcher.load('letters', key, loader)));
    expect(values).toEqual(['A', 'B', 'C', 'A']);
    expect(calls).toEqual([['a', 'b', 'c']]);
    await batcher.load('letters', 'd', loader);
    expect(calls).toHaveLength(2);
  });
});
