import { describe, expect, it } from 'vitest';
import { mapConcurrently } from '../src/concurrency.js';

/** A call that finishes when the test says so, recording how many are under way at once. */
function gatedCalls() {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const release = new Map<number, (ok: boolean) => void>();
  const fn = (item: number, index: number) =>
    new Promise<string>((resolve, reject) => {
      started.push(index);
      peak = Math.max(peak, ++running);
      release.set(index, (ok) => {
        running--;
        if (ok) resolve(`item ${item}`);
        else reject(new Error(`call ${index} failed`));
      });
    });
  return { fn, started, release, peak: () => peak };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('mapConcurrently', () => {
  it('returns results in item order while never running more than the limit at once', async () => {
    const calls = gatedCalls();
    const items = [10, 11, 12, 13, 14, 15, 16];
    const all = mapConcurrently(items, 3, calls.fn);
    await settle();
    expect(calls.started).toEqual([0, 1, 2]);
    // Finishing out of order starts the next item each time.
    calls.release.get(2)!(true);
    await settle();
    expect(calls.started).toEqual([0, 1, 2, 3]);
    for (const i of [0, 1, 3, 4, 5, 6]) {
      await settle();
      calls.release.get(i)!(true);
    }
    expect(await all).toEqual(items.map((n) => `item ${n}`));
    expect(calls.peak()).toBe(3);
  });

  it('rejects with the first failure and starts no call after it', async () => {
    const calls = gatedCalls();
    const all = mapConcurrently([1, 2, 3, 4, 5, 6], 2, calls.fn);
    await settle();
    calls.release.get(1)!(false);
    await expect(all).rejects.toThrow('call 1 failed');
    calls.release.get(0)!(true);
    await settle();
    expect(calls.started).toEqual([0, 1]);
  });

  it('handles an empty list and a limit above the list length', async () => {
    expect(await mapConcurrently([], 4, async () => 1)).toEqual([]);
    expect(await mapConcurrently([1, 2], 8, async (n) => n * 2)).toEqual([2, 4]);
  });

  it('refuses a limit that is not a positive integer', async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) await expect(mapConcurrently([1], limit, async () => 1)).rejects.toThrow(RangeError);
  });
});
