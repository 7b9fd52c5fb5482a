/** Timing helpers shared by benchmarks: wall-clock samples, medians and percentiles. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
export const median = (samples: number[]) => percentile(samples, 50);

export async function sample(runs: number, fn: () => Promise<unknown>, warmup = Math.min(10, runs)): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

export const ms = (v: number) => `${v.toFixed(3)} ms`;

/**
 * Samples `a` and `b` alternately (a, b, b, a, ...), so that drift on a shared machine (CPU
 * frequency, other load) falls on both alike; returns each one's samples.
 */
export async function sampleAlternating(
  runs: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  warmup = 2,
): Promise<[number[], number[]]> {
  for (let i = 0; i < warmup; i++) await Promise.resolve().then(a).then(b);
  const out: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    const order: [0 | 1, 0 | 1] = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const which of order) {
      const t = performance.now();
      await (which === 0 ? a() : b());
      out[which].push(performance.now() - t);
    }
  }
  return out;
}
