/**
 * Before the headless client connects: is a Circle relay at this URL at all? Socket.IO would
 * retry a dead or wrong address with backoff for many seconds; one GET /health says at once.
 */
export const RELAY_PROBE_TIMEOUT_MS = 5000;

/** Undefined when a Circle relay answers at `relayUrl` (even with its database down), else why not, in one line. */
export async function probeRelay(relayUrl: string, timeoutMs = RELAY_PROBE_TIMEOUT_MS): Promise<string | undefined> {
  let res: Response;
  try {
    res = await fetch(new URL('/health', relayUrl), { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual', cache: 'no-store' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    if ((err as Error).name === 'TimeoutError') return `no answer from the relay at ${relayUrl} within ${timeoutMs / 1000} s`;
    if (cause === 'ECONNREFUSED') return `nothing is listening at ${relayUrl}: is the relay running, and is this its address?`;
    if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN') return `the relay's host in ${relayUrl} does not resolve`;
    return `cannot reach the relay at ${relayUrl}${cause ? ` (${cause})` : ''}`;
  }
  const body = (await res.text().catch(() => '')).slice(0, 1000);
  let database: unknown;
  try {
    database = (JSON.parse(body) as { database?: unknown }).database;
  } catch {
    database = undefined;
  }
  if ((res.status === 200 || res.status === 503) && (database === 'up' || database === 'down')) return undefined;
  return `${relayUrl} answers, but it is not a Circle relay (GET /health: HTTP ${res.status}): check the relay address`;
}
