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
