import { describe, expect, it } from '@jest/globals';
import { BackgroundWork } from './background-work';

describe(BackgroundWork.name, () => {
  it('waits for everything started so far and hands failures to its handler', async () => {
    const failures: unknown[] = [];
    const work = new BackgroundWork((error) => failures.push(error));
    const finished: string[] = [];
    let release!: () => void;
    work.run(new Promise<void>((resolve) => (release = resolve)).then(() => finished.push('slow')));
    work.run(Promise.reject(new Error('broken')));
    const settled = work.settled().then(() => finished.push('settled'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toEqual([]);
    release();
    await settled;
    expect(finished).toEqual(['slow', 'settled']);
    expect(failures).toEqual([new Error('broken')]);
  });
});
