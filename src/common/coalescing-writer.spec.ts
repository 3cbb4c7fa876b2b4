import { describe, expect, it } from '@jest/globals';
import { CoalescingWriter } from './coalescing-writer';

/** A writer whose writes finish only when the test releases them, in order. */
function heldWriter(maxBatch?: number) {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const errors: unknown[] = [];
  const writer = new CoalescingWriter<number>(
    (items) => {
      batches.push(items);
      return new Promise<void>((resolve, reject) => releases.push(() => (items.includes(-1) ? reject(new Error('refused')) : resolve())));
    },
    (error) => errors.push(error),
    maxBatch,
  );
  const releaseNext = async () => {
    releases.shift()!();
    // Lets the writer see the finished write and start the next one.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { writer, batches, errors, releaseNext };
}

describe(CoalescingWriter.name, () => {
  it('writes an item at once, alone, when nothing is being written', () => {
    const { writer, batches } = heldWriter();
    writer.add(1);
    expect(batches).toEqual([[1]]);
  });

  it('sends the items that arrive during a write together, in one batch after it', async () => {
    const { writer, batches, releaseNext } = heldWriter();
    writer.add(1);
    writer.add(2);
    writer.add(3);
    expect(batches).toEqual([[1]]);
    await releaseNext();
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('keeps a batch to its maximum size', async () => {
    const { writer, batches, releaseNext } = heldWriter(2);
    for (const item of [1, 2, 3, 4, 5]) writer.add(item);
    await releaseNext();
    await releaseNext();
    expect(batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('settles only once every item added has been written', async () => {
    const { writer, batches, releaseNext } = heldWriter();
    writer.add(1);
    writer.add(2);
    let settled = false;
    const settling = writer.settled().then(() => (settled = true));
    await releaseNext();
    expect(settled).toBe(false);
    await releaseNext();
    await settling;
    expect(batches).toEqual([[1], [2]]);
  });

  it('settles at once when nothing is pending', async () => {
    const { writer } = heldWriter();
    await expect(writer.settled()).resolves.toBeUndefined();
  });

  it('hands a failed write to onError and still writes what came after it', async () => {
    const { writer, batches, errors, releaseNext } = heldWriter();
    writer.add(-1);
    writer.add(2);
    await releaseNext();
    expect(errors).toEqual([new Error('refused')]);
    await releaseNext();
    await writer.settled();
    expect(batches).toEqual([[-1], [2]]);
    writer.add(3);
    expect(batches).toEqual([[-1], [2], [3]]);
  });

  it('writes a failed batch again item by item: only the item refused again reaches onError', async () => {
    const { writer, batches, errors, releaseNext } = heldWriter();
    writer.add(1);
    writer.add(-1);
    writer.add(3);
    await releaseNext();
    expect(batches).toEqual([[1], [-1, 3]]);
    await releaseNext();
    expect(errors).toEqual([]);
    await releaseNext();
    await releaseNext();
    await writer.settled();
    expect(batches).toEqual([[1], [-1, 3], [-1], [3]]);
    expect(errors).toEqual([new Error('refused')]);
  });
});
