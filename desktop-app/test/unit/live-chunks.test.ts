import { describe, expect, it } from 'vitest';
import { LiveChunks, MAX_LIVE_CHUNKS } from '../../src/core/live-chunks.js';

const frame = (n: number) => new Uint8Array([n]);

describe('LiveChunks', () => {
  it(`keeps at most ${MAX_LIVE_CHUNKS} frames by default (32 MiB of 64 KiB frames)`, () => {
    const chunks = new LiveChunks();
    for (let i = 0; i < MAX_LIVE_CHUNKS + 10; i++) chunks.keep(`id-${i}`, frame(i % 256));
    expect(chunks.size).toBe(MAX_LIVE_CHUNKS);
    expect(MAX_LIVE_CHUNKS * 64 * 1024).toBe(32 * 1024 * 1024);
  });

  it('drops the oldest frame first, and a frame taken is gone', () => {
    const chunks = new LiveChunks(2);
    chunks.keep('a', frame(1));
    chunks.keep('b', frame(2));
    chunks.keep('a', frame(9)); // already kept: no change, no eviction
    chunks.keep('c', frame(3));
    expect(chunks.take('a')).toBeUndefined();
    expect(chunks.take('b')).toEqual(frame(2));
    expect(chunks.take('b')).toBeUndefined();
    expect(chunks.take('c')).toEqual(frame(3));
    expect(chunks.size).toBe(0);
  });

  it('settles after every push tracked so far, failed ones included', async () => {
    const chunks = new LiveChunks();
    let finish!: () => void;
    chunks.track(new Promise<void>((resolve) => (finish = resolve)).then(() => chunks.keep('late', frame(7))));
    chunks.track(Promise.reject(new Error('unopenable')));
    let settled = false;
    const waiting = chunks.settled().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    finish();
    await waiting;
    expect(chunks.take('late')).toEqual(frame(7));
  });
});
