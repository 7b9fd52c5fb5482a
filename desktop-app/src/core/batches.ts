/** Splits `items` into consecutive batches of at most `size` (e.g. MAX_FETCH_IDS ids per fetch). */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
