/** Async work over a list with a bounded number of calls under way. */

/**
 * `fn` over every item, at most `limit` calls under way at once; results in item order.
 * Rejects with the first failure (calls already under way still finish; no new ones start).
 *
 * @example
 *   const frames = await mapConcurrently(chunks, 4, (chunk, i) => cipher.sealChunk(chunk, i));
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
