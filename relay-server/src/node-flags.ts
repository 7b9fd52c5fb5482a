/**
 * Node flags the relay process starts with (`npm run relay`; the benchmark starts it the same
 * way). The relay's JS heap is small (about 30 MB live) while it moves 64 KiB Buffers by the
 * thousand: with V8's default old-generation limit (about 56 MB here) that traffic starts a
 * full mark-compact every ~100 blobs, and marking was 58% of the relay's CPU under load
 * (perf, November 2026). A 128 MB starting limit cuts full collections about sixfold and the
 * relay's CPU per stored blob from 0.45-0.6 ms to 0.2-0.3 ms; the live heap stays the same.
 * package.json's `relay` script must pass exactly these (a unit test checks it).
 */
export const RELAY_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=128'];
