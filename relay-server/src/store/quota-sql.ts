/**
 * The mailbox quota in the database (table mailbox_usage, one row per mailbox): a put reserves
 * its slot before its INSERT, in one statement that locks the mailbox's row, so two puts on any
 * relay nodes never both take the last slot; a put whose row was not stored gives its slot back;
 * every DELETE of blobs lowers the count in the same statement (`deleteCounted`).
 *
 * Reservations commit without waiting for the WAL flush (`synchronous_commit` off for that
 * statement alone): the INSERT that follows flushes it, and a reservation lost in a crash only
 * frees a slot whose row was never stored.
 */
import { CircleError, ErrorCode } from '@circle/protocol';

/** $1 mailboxes (one element per blob, repeats allowed), $2 quota in blobs. Rows: mailbox, granted. */
const RESERVE_SQL = `
WITH want AS (
  SELECT m, count(*)::int AS n FROM unnest($1::text[]) AS m, (SELECT set_config('synchronous_commit', 'off', true)) AS cfg GROUP BY m
), cur AS (
  SELECT u.mailbox, u.blobs FROM mailbox_usage u JOIN want ON u.mailbox = want.m ORDER BY u.mailbox FOR UPDATE OF u
), granted AS (
  UPDATE mailbox_usage u SET blobs = cur.blobs + LEAST(want.n, GREATEST(0, $2::int - cur.blobs))
  FROM cur JOIN want ON want.m = cur.mailbox WHERE u.mailbox = cur.mailbox
  RETURNING u.mailbox, u.blobs - cur.blobs AS granted
)
SELECT mailbox, granted FROM granted`;

const ENSURE_ROWS_SQL = `INSERT INTO mailbox_usage (mailbox) SELECT DISTINCT m FROM unnest($1::text[]) AS m ON CONFLICT DO NOTHING`;

/** $1 mailboxes, one element per slot to give back. */
export const RELEASE_SQL = `
UPDATE mailbox_usage u SET blobs = GREATEST(0, u.blobs - r.n)
FROM (SELECT m, count(*)::int AS n FROM unnest($1::text[]) AS m, (SELECT set_config('synchronous_commit', 'off', true)) AS cfg GROUP BY m) r
WHERE u.mailbox = r.m`;

/** Wraps a blob DELETE (`... RETURNING mailbox`) so the quota it frees is given back in the same statement. */
export const deleteCounted = (deleteReturningMailbox: string) => `
WITH gone AS (${deleteReturningMailbox}), freed AS (
  UPDATE mailbox_usage u SET blobs = GREATEST(0, u.blobs - d.n)
  FROM (SELECT mailbox, count(*)::int AS n FROM gone GROUP BY mailbox) d WHERE u.mailbox = d.mailbox
)
SELECT count(*)::int AS deleted FROM gone`;

export type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** Reserves one slot per element of `mailboxes`; how many each mailbox got. */
export async function reserveSlots(query: Query, mailboxes: string[], quotaBlobs: number): Promise<Map<string, number>> {
  const granted = async () =>
    new Map((await query(RESERVE_SQL, [mailboxes, quotaBlobs])).map((r) => [String(r.mailbox), Number(r.granted)]));
  let slots = await granted();
  if (mailboxes.some((m) => !slots.has(m))) {
    // A mailbox's first put: create its row, then reserve for the mailboxes that had none.
    await query(ENSURE_ROWS_SQL, [mailboxes]);
    const missing = mailboxes.filter((m) => !slots.has(m));
    const more = new Map((await query(RESERVE_SQL, [missing, quotaBlobs])).map((r) => [String(r.mailbox), Number(r.granted)]));
    slots = new Map([...slots, ...more]);
  }
  return slots;
}

export const quotaExceeded = () =>
  new CircleError(
    ErrorCode.QuotaExceeded,
    'blob:put',
    "the recipient's mailbox is full: they need to come online, or wait for old messages to expire",
  );
