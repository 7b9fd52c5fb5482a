/**
 * Opaque blobs waiting in mailboxes. Every row is exactly BLOB_BYTES of ciphertext, a
 * recipient mailbox, an expiry and the hash of a deletion secret: nothing says who sent
 * it or when. Expired rows are invisible at once and deleted by `sweepExpired`.
 */
import type { Pool } from 'pg';
import { BLOB_BYTES, CircleError, ErrorCode } from '@circle/protocol';
import { Prisma, type PrismaClient } from './generated/client.js';
import { assertBlobId, assertDeleteProofHash, assertMailbox, assertPositiveInteger, assertValidDate } from './input-checks.js';
import { GroupInsert } from './group-insert.js';
import { retryableDatabaseError } from './db-errors.js';
import { RELEASE_SQL, deleteCounted, quotaExceeded, reserveSlots, type Query } from './quota-sql.js';

export interface NewBlob {
  id: string;
  mailbox: string;
  bytes: Uint8Array;
  expiresAt: Date;
  deleteProofHash: string;
}

export interface BlobSummary {
  id: string;
  /** Unix milliseconds. */
  expiresAt: number;
}

export interface BlobPage {
  blobs: BlobSummary[];
  /** Pass as `cursor` for the next page; null when this page is the last. */
  nextCursor: string | null;
}

export interface StoredBlob extends BlobSummary {
  bytes: Uint8Array;
}

export interface BlobOwnership {
  mailbox: string;
  deleteProofHash: string;
}

/** Prisma's code for a unique-constraint violation. */
const UNIQUE_VIOLATION = 'P2002';

/** The read on the sync path, run by node-postgres when a pool is given. */
const FETCH_SQL = 'SELECT id, expires_at, bytes FROM blobs WHERE mailbox = $1 AND id = ANY($2::uuid[]) AND expires_at > $3 ORDER BY id';

export class BlobStore {
  private readonly groupInsert: GroupInsert | undefined;
  /** Writes in progress on this node, by mailbox: a list waits for them (see `list`). */
  private readonly writing = new Map<string, Set<Promise<unknown>>>();

  constructor(
    private readonly prisma: PrismaClient,
    /** Injected so tests can move time; expiry is always judged by this clock. */
    private readonly now: () => Date = () => new Date(),
    /**
     * Optional node-postgres pool for the two paths that carry 64 KiB bytes, put and fetch
     * (external PostgreSQL only; PGlite keeps its single Prisma connection). Through Prisma a
     * 64 KiB Bytes value costs several times the CPU of a plain parameterised statement
     * (measured: INSERT about 4x; fetch 0.5-0.66 ms of relay CPU per blob). Inserts that
     * arrive together share a statement (see GroupInsert).
     */
    private readonly pool?: Pool,
    /**
     * Blobs one mailbox may hold (MAILBOX_QUOTA_MB / 64 KiB), enforced atomically in the
     * database (the mailbox_usage migration); undefined: no quota.
     */
    private readonly quotaBlobs?: number,
  ) {
    this.groupInsert = pool ? new GroupInsert(pool, quotaBlobs) : undefined;
  }

  /**
   * Stores a blob: true once committed, false when a blob with its id exists (ids are
   * client-chosen UUIDs; the caller decides what to answer, see handlers/blobs.ts). Throws
   * QuotaExceeded when the mailbox holds its quota, counting puts under way on every node.
   */
  async put(blob: NewBlob): Promise<boolean> {
    assertBlobId(blob.id, 'blob:put');
    assertMailbox(blob.mailbox, 'blob:put');
    assertDeleteProofHash(blob.deleteProofHash, 'blob:put');
    assertValidDate(blob.expiresAt, 'expiresAt', 'blob:put');
    if (blob.bytes.length !== BLOB_BYTES) {
      throw new CircleError(ErrorCode.BlobSize, 'blob:put', `a blob must be exactly ${BLOB_BYTES} bytes, got ${blob.bytes.length}`);
    }
    const write = this.groupInsert ? this.groupInsert.insert(blob) : this.create(blob);
    this.track(blob.mailbox, write);
    return write;
  }

  /** Remembers a write until it settles, so a list of its mailbox can wait for it. */
  private track(mailbox: string, write: Promise<unknown>): void {
    let writes = this.writing.get(mailbox);
    if (!writes) this.writing.set(mailbox, (writes = new Set()));
    writes.add(write);
    const settled = () => {
      writes.delete(write);
      if (writes.size === 0) this.writing.delete(mailbox);
    };
    write.then(settled, settled);
  }

  private async create(blob: NewBlob): Promise<boolean> {
    const quota = this.quotaBlobs;
    if (quota !== undefined && ((await reserveSlots(this.rawQuery, [blob.mailbox], quota)).get(blob.mailbox) ?? 0) < 1)
      throw quotaExceeded();
    const release = async () => {
      if (quota !== undefined) await this.rawQuery(RELEASE_SQL, [[blob.mailbox]]).catch(() => undefined);
    };
    try {
      // Copy: Prisma wants an ArrayBuffer-backed array, and a view must not drag its whole buffer along.
      await this.prisma.blob.create({ data: { ...blob, bytes: new Uint8Array(blob.bytes) }, select: { id: true } });
      return true;
    } catch (err) {
      await release();
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === UNIQUE_VIOLATION) return false;
      throw err;
    }
  }

  /**
   * Unexpired blobs in a mailbox, in id order, `limit` at a time; `cursor` is the previous page's
   * last id. The list first waits for this node's writes to the mailbox that are under way, so a
   * member who syncs right after a put was acknowledged to its sender finds the blob.
   */
  async list(mailbox: string, page: { cursor?: string; limit: number }): Promise<BlobPage> {
    assertMailbox(mailbox, 'blob:list');
    assertPositiveInteger(page.limit, 'limit', 'blob:list');
    if (page.cursor !== undefined) assertBlobId(page.cursor, 'blob:list');
    const writes = this.writing.get(mailbox);
    if (writes) await Promise.allSettled(writes);
    const rows = await this.prisma.blob.findMany({
      where: { mailbox, expiresAt: { gt: this.now() }, ...(page.cursor === undefined ? {} : { id: { gt: page.cursor } }) },
      orderBy: { id: 'asc' },
      // One extra row tells whether another page follows without a second query.
      take: page.limit + 1,
      select: { id: true, expiresAt: true },
    });
    const blobs = rows.slice(0, page.limit).map((r) => ({ id: r.id, expiresAt: r.expiresAt.getTime() }));
    const nextCursor = rows.length > page.limit ? (blobs.at(-1)?.id ?? null) : null;
    return { blobs, nextCursor };
  }

  /** The requested blobs that are in `mailbox` and unexpired, in id order; others are silently absent. */
  async fetch(mailbox: string, ids: string[]): Promise<StoredBlob[]> {
    assertMailbox(mailbox, 'blob:fetch');
    for (const id of ids) assertBlobId(id, 'blob:fetch');
    if (ids.length === 0) return [];
    if (this.pool) {
      try {
        const { rows } = await this.pool.query<{ id: string; expires_at: Date; bytes: Buffer }>(FETCH_SQL, [
          mailbox,
          [...new Set(ids)],
          this.now(),
        ]);
        return rows.map((r) => ({ id: r.id, expiresAt: r.expires_at.getTime(), bytes: r.bytes }));
      } catch (err) {
        throw retryableDatabaseError(err, 'blob:fetch');
      }
    }
    const rows = await this.prisma.blob.findMany({
      where: { mailbox, id: { in: [...new Set(ids)] }, expiresAt: { gt: this.now() } },
      orderBy: { id: 'asc' },
      select: { id: true, expiresAt: true, bytes: true },
    });
    return rows.map((r) => ({ id: r.id, expiresAt: r.expiresAt.getTime(), bytes: r.bytes }));
  }

  /** Who may delete an unexpired blob: its mailbox and the hash of its deletion secret; null if unknown or expired. */
  async get(id: string): Promise<BlobOwnership | null> {
    assertBlobId(id, 'blob:get');
    return this.prisma.blob.findFirst({
      where: { id, expiresAt: { gt: this.now() } },
      select: { mailbox: true, deleteProofHash: true },
    });
  }

  /** Deletes a blob, freeing its quota slot; false when there was none. Authorisation is the caller's job (see `get`). */
  async delete(id: string): Promise<boolean> {
    assertBlobId(id, 'blob:delete');
    const [row] = await this.rawQuery(deleteCounted('DELETE FROM blobs WHERE id = $1::uuid RETURNING mailbox'), [id]);
    return Number(row?.deleted ?? 0) > 0;
  }

  /** A plain parameterised query through Prisma (both databases). */
  private readonly rawQuery: Query = (sql, params) => this.prisma.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params);

  /** Bytes a mailbox holds in unexpired blobs (every blob is BLOB_BYTES), for quotas. */
  async storedBytes(mailbox: string): Promise<number> {
    assertMailbox(mailbox, 'blob:stored-bytes');
    const count = await this.prisma.blob.count({ where: { mailbox, expiresAt: { gt: this.now() } } });
    return count * BLOB_BYTES;
  }

  /**
   * Deletes blobs with `expiresAt <= now`, at most `batchSize` rows per statement so no
   * single delete holds locks or builds WAL for long; returns how many went in total.
   * SKIP LOCKED lets sweepers on several relay nodes share the work instead of queueing.
   */
  async sweepExpired(now: Date, batchSize: number): Promise<number> {
    assertValidDate(now, 'now', 'blob:sweep');
    assertPositiveInteger(batchSize, 'batchSize', 'blob:sweep');
    let total = 0;
    for (;;) {
      const [row] = await this.rawQuery(
        deleteCounted(`DELETE FROM "blobs" WHERE "id" IN (
          SELECT "id" FROM "blobs" WHERE "expires_at" <= $1
          ORDER BY "expires_at" LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING "mailbox"`),
        [now, batchSize],
      );
      const deleted = Number(row?.deleted ?? 0);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  /** All rows, expired or not (for metrics). */
  async count(): Promise<number> {
    return this.prisma.blob.count();
  }
}
