/**
 * The relay's storage against both databases it runs on: a real PostgreSQL cluster and
 * the embedded PGlite. Each describe block gets its own fresh, migrated database.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOB_BYTES, CircleError, ErrorCode, mailboxAddressFromKeyHash } from '@circle/protocol';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Allowlist,
  applyMigrations,
  BlobStore,
  createPrismaClient,
  openDatabase,
  type Database,
  type NewBlob,
  type PrismaClient,
} from '../src/store/index.js';
import { lockDataDir } from '../src/store/data-dir-lock.js';
import { INSERT_STATEMENTS, MAX_WAITING_ROWS } from '../src/store/group-insert.js';
import { MIGRATION_COUNT } from './support/migrations.js';
import { databaseKinds } from './support/databases.js';

const HOUR = 3_600_000;
const T0 = new Date('2026-11-20T00:00:00.000Z');

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const newMailbox = (): string => hex(16);
const newKeyHash = (): string => hex(32);

function newBlob(mailbox: string, expiresAt = new Date(T0.getTime() + 72 * HOUR)): NewBlob {
  return { id: randomUUID(), mailbox, bytes: new Uint8Array(randomBytes(BLOB_BYTES)), expiresAt, deleteProofHash: hex(32) };
}

async function expectCircleError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CircleError);
  expect((err as CircleError).code).toBe(code);
}

describe('embedded database', () => {
  it('keeps blobs and migration history across a restart on the same data folder', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'circle-restart-'));
    try {
      const blob = newBlob(newMailbox());
      const first = await openDatabase({ dataDir });
      expect((await applyMigrations(first.connectionString)).applied).toHaveLength(MIGRATION_COUNT);
      const prismaA = createPrismaClient(first);
      await new BlobStore(prismaA).put(blob);
      await prismaA.$disconnect();
      await first.close();

      const second = await openDatabase({ dataDir });
      expect((await applyMigrations(second.connectionString)).applied).toEqual([]);
      const prismaB = createPrismaClient(second);
      expect(await new BlobStore(prismaB, () => T0).get(blob.id)).toEqual({ mailbox: blob.mailbox, deleteProofHash: blob.deleteProofHash });
      await prismaB.$disconnect();
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('embedded data folder lock', () => {
  it('refuses a second open of a folder in use, and allows it again after close', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'circle-lock-'));
    try {
      const first = await openDatabase({ dataDir });
      await expectCircleError(openDatabase({ dataDir }), ErrorCode.Unavailable);
      await first.close();
      const again = await openDatabase({ dataDir });
      await again.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('takes over a lock left by a process that has died', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'circle-lock-'));
    try {
      // A pid far above any kernel's pid_max cannot be running.
      await writeFile(join(dataDir, 'circle.lock'), '2147483646');
      const unlock = await lockDataDir(dataDir);
      expect(await readFile(join(dataDir, 'circle.lock'), 'utf8')).toBe(String(process.pid));
      await unlock();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe.each(databaseKinds)('store on $name', (kind) => {
  let db: Database;
  let prisma: PrismaClient;
  let firstApply: string[];
  let now = T0;
  const clock = () => now;
  const blobs = () => new BlobStore(prisma, clock);

  /** Runs SQL on a separate connection, as an operator with psql would. */
  async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: db.connectionString });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    db = await kind.open();
    firstApply = (await applyMigrations(db.connectionString)).applied;
    prisma = createPrismaClient(db);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.close();
  });

  beforeEach(async () => {
    now = T0;
    await prisma.$executeRaw`TRUNCATE "blobs", "allowlist"`;
  });

  describe('migrations', () => {
    it(`runs on ${kind.name === 'pglite' ? 'PGlite' : 'a real PostgreSQL server'}`, async () => {
      const [{ version }] = (await sql<{ version: string }>('SELECT version()')) as [{ version: string }];
      expect(version).toMatch(/^PostgreSQL \d+/);
      expect(version.includes('PGlite')).toBe(kind.name === 'pglite');
      expect(db.embedded).toBe(kind.name === 'pglite');
      expect(db.poolMax).toBe(kind.name === 'pglite' ? 1 : 10);
    });

    it('applies every migration once, in order, and records each in _prisma_migrations', async () => {
      expect(firstApply).toHaveLength(3);
      expect(firstApply[0]).toMatch(/^\d{14}_init$/);
      expect(firstApply[1]).toMatch(/^\d{14}_devices$/);
      expect(firstApply[2]).toMatch(/^\d{14}_mailbox_quota$/);
      const rows = await prisma.$queryRaw<{ migration_name: string; finished: boolean; rolled_back: boolean }[]>`
        SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations ORDER BY migration_name`;
      expect(rows).toEqual(firstApply.map((migration_name) => ({ migration_name, finished: true, rolled_back: false })));
    });

    it('re-applying is a no-op that keeps existing rows', async () => {
      await blobs().put(newBlob(newMailbox()));
      expect((await applyMigrations(db.connectionString)).applied).toEqual([]);
      expect(await blobs().count()).toBe(1);
      const rows = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM _prisma_migrations`;
      expect(Number(rows[0]!.n)).toBe(firstApply.length);
    });

    it('gives blobs exactly the columns id, mailbox, bytes, expires_at, delete_proof_hash', async () => {
      const columns = await prisma.$queryRaw<{ column_name: string; data_type: string }[]>`
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'blobs' ORDER BY column_name`;
      expect(columns).toEqual([
        { column_name: 'bytes', data_type: 'bytea' },
        { column_name: 'delete_proof_hash', data_type: 'text' },
        { column_name: 'expires_at', data_type: 'timestamp with time zone' },
        { column_name: 'id', data_type: 'uuid' },
        { column_name: 'mailbox', data_type: 'text' },
      ]);
    });

    it('stores blob bytes uncompressed (STORAGE EXTERNAL) and records no time by default', async () => {
      const rows = await prisma.$queryRaw<{ attname: string; attstorage: string; has_default: boolean }[]>`
        SELECT attname, attstorage::text AS attstorage, atthasdef AS has_default FROM pg_attribute
        WHERE attrelid = '"blobs"'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attname`;
      expect(rows.find((r) => r.attname === 'bytes')?.attstorage).toBe('e');
      expect(rows.filter((r) => r.has_default)).toEqual([]);
    });
  });

  describe('BlobStore', () => {
    it('round-trips a blob: put, list, fetch exact 65536 bytes, get, delete', async () => {
      const mailbox = newMailbox();
      const blob = newBlob(mailbox);
      await blobs().put(blob);

      expect(await blobs().list(mailbox, { limit: 10 })).toEqual({
        blobs: [{ id: blob.id, expiresAt: blob.expiresAt.getTime() }],
        nextCursor: null,
      });
      const [fetched] = await blobs().fetch(mailbox, [blob.id]);
      expect(fetched!.id).toBe(blob.id);
      expect(fetched!.expiresAt).toBe(blob.expiresAt.getTime());
      expect(fetched!.bytes).toBeInstanceOf(Uint8Array);
      expect(fetched!.bytes.length).toBe(BLOB_BYTES);
      expect(Buffer.from(fetched!.bytes).equals(Buffer.from(blob.bytes))).toBe(true);
      expect(await blobs().get(blob.id)).toEqual({ mailbox, deleteProofHash: blob.deleteProofHash });
      expect(await blobs().storedBytes(mailbox)).toBe(BLOB_BYTES);

      expect(await blobs().delete(blob.id)).toBe(true);
      expect(await blobs().delete(blob.id)).toBe(false);
      expect(await blobs().get(blob.id)).toBeNull();
      expect(await blobs().list(mailbox, { limit: 10 })).toEqual({ blobs: [], nextCursor: null });
    });

    it('stores only the viewed bytes of a subarray', async () => {
      const mailbox = newMailbox();
      const backing = new Uint8Array(randomBytes(BLOB_BYTES + 100));
      const blob = { ...newBlob(mailbox), bytes: backing.subarray(50, 50 + BLOB_BYTES) };
      await blobs().put(blob);
      const [fetched] = await blobs().fetch(mailbox, [blob.id]);
      expect(Buffer.from(fetched!.bytes).equals(Buffer.from(blob.bytes))).toBe(true);
    });

    it('rejects a blob of any size but 65536 bytes with BlobSize', async () => {
      const blob = newBlob(newMailbox());
      await expectCircleError(blobs().put({ ...blob, bytes: blob.bytes.subarray(1) }), ErrorCode.BlobSize);
      await expectCircleError(blobs().put({ ...blob, bytes: new Uint8Array(BLOB_BYTES + 1) }), ErrorCode.BlobSize);
      expect(await blobs().count()).toBe(0);
    });

    it('rejects malformed ids, mailboxes and hashes with BadRequest before touching the database', async () => {
      const blob = newBlob(newMailbox());
      await expectCircleError(blobs().put({ ...blob, id: 'not-a-uuid' }), ErrorCode.BadRequest);
      await expectCircleError(blobs().put({ ...blob, mailbox: 'ABC' }), ErrorCode.BadRequest);
      await expectCircleError(blobs().put({ ...blob, deleteProofHash: 'x' }), ErrorCode.BadRequest);
      await expectCircleError(blobs().put({ ...blob, expiresAt: new Date(Number.NaN) }), ErrorCode.BadRequest);
      await expectCircleError(blobs().sweepExpired(T0, 0), ErrorCode.BadRequest);
      await expectCircleError(blobs().get('1; DROP TABLE blobs'), ErrorCode.BadRequest);
      await expectCircleError(blobs().list(blob.mailbox, { limit: 0 }), ErrorCode.BadRequest);
      await expectCircleError(blobs().list(blob.mailbox, { limit: 5, cursor: 'nope' }), ErrorCode.BadRequest);
    });

    it('stores nothing for a duplicate id (put answers false) and keeps the first blob', async () => {
      const first = newBlob(newMailbox());
      expect(await blobs().put(first)).toBe(true);
      expect(await blobs().put({ ...newBlob(newMailbox()), id: first.id })).toBe(false);
      expect(await blobs().get(first.id)).toEqual({ mailbox: first.mailbox, deleteProofHash: first.deleteProofHash });
      expect(await blobs().count()).toBe(1);
    });

    it('pages through a mailbox in id order with the last id as cursor', async () => {
      const mailbox = newMailbox();
      const stored = Array.from({ length: 7 }, () => newBlob(mailbox));
      for (const b of stored) await blobs().put(b);
      const expectedIds = stored.map((b) => b.id).sort();

      const pages: string[][] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await blobs().list(mailbox, { limit: 3, ...(cursor ? { cursor } : {}) });
        pages.push(page.blobs.map((b) => b.id));
        if (page.nextCursor === null) break;
        expect(page.nextCursor).toBe(page.blobs.at(-1)!.id);
        cursor = page.nextCursor;
      }
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(expectedIds);
    });

    it('says there is no next page when the last page is exactly full', async () => {
      const mailbox = newMailbox();
      for (let i = 0; i < 4; i++) await blobs().put(newBlob(mailbox));
      const first = await blobs().list(mailbox, { limit: 2 });
      const second = await blobs().list(mailbox, { limit: 2, cursor: first.nextCursor! });
      expect(second.blobs).toHaveLength(2);
      expect(second.nextCursor).toBeNull();
    });

    it("never shows one mailbox's blobs to another", async () => {
      const [a, b] = [newMailbox(), newMailbox()];
      const forA = newBlob(a);
      const forB = newBlob(b);
      await blobs().put(forA);
      await blobs().put(forB);

      expect((await blobs().list(a, { limit: 10 })).blobs.map((x) => x.id)).toEqual([forA.id]);
      expect((await blobs().fetch(a, [forA.id, forB.id])).map((x) => x.id)).toEqual([forA.id]);
      expect(await blobs().fetch(a, [forB.id])).toEqual([]);
      expect(await blobs().storedBytes(a)).toBe(BLOB_BYTES);
      expect(await blobs().storedBytes(newMailbox())).toBe(0);
    });

    it('hides expired blobs from list, fetch, get and storedBytes before any sweep', async () => {
      const mailbox = newMailbox();
      const expiring = newBlob(mailbox, new Date(T0.getTime() + HOUR));
      const lasting = newBlob(mailbox, new Date(T0.getTime() + 3 * HOUR));
      await blobs().put(expiring);
      await blobs().put(lasting);

      now = new Date(T0.getTime() + HOUR); // expiresAt <= now counts as expired
      expect((await blobs().list(mailbox, { limit: 10 })).blobs.map((b) => b.id)).toEqual([lasting.id]);
      expect((await blobs().fetch(mailbox, [expiring.id, lasting.id])).map((b) => b.id)).toEqual([lasting.id]);
      expect(await blobs().get(expiring.id)).toBeNull();
      expect(await blobs().storedBytes(mailbox)).toBe(BLOB_BYTES);
      expect(await blobs().count()).toBe(2);
    });

    it('sweepExpired deletes exactly the rows expired at `now`, in bounded batches', async () => {
      const mailbox = newMailbox();
      const expired = Array.from({ length: 5 }, (_, i) => newBlob(mailbox, new Date(T0.getTime() + i * 60_000)));
      const boundary = newBlob(mailbox, new Date(T0.getTime() + HOUR));
      const alive = Array.from({ length: 3 }, () => newBlob(newMailbox(), new Date(T0.getTime() + HOUR + 1)));
      for (const b of [...expired, boundary, ...alive]) await blobs().put(b);

      const statements: string[] = [];
      const counted = new BlobStore(
        prisma.$extends({
          query: {
            $queryRawUnsafe: ({ args, query }) => {
              statements.push('delete');
              return query(args);
            },
          },
        }) as unknown as PrismaClient,
      );
      expect(await counted.sweepExpired(new Date(T0.getTime() + HOUR), 2)).toBe(6);
      // 6 expired rows in batches of 2: three full batches, then an empty one ends the loop.
      expect(statements).toHaveLength(4);

      const left = await sql<{ id: string }>('SELECT id FROM blobs ORDER BY id');
      expect(left.map((r) => r.id)).toEqual(alive.map((b) => b.id).sort());
      expect(await blobs().sweepExpired(new Date(T0.getTime() + HOUR), 2)).toBe(0);
    });

    it('holds the mailbox quota whatever the concurrency, counts a mailbox down as its blobs go, and gives back the slot of a duplicate', async () => {
      const quoted = new BlobStore(prisma, clock, undefined, 4);
      const mailbox = newMailbox();
      const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => quoted.put(newBlob(mailbox))));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
      for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as CircleError).code).toBe(ErrorCode.QuotaExceeded);
      const [first, second] = (await quoted.list(mailbox, { limit: 10 })).blobs;
      expect(await quoted.delete(first!.id)).toBe(true);
      expect(await quoted.put({ ...newBlob(mailbox), id: second!.id })).toBe(false);
      expect(await quoted.put(newBlob(mailbox))).toBe(true);
      await expectCircleError(quoted.put(newBlob(mailbox)), ErrorCode.QuotaExceeded);
      const usage = await sql<{ blobs: number }>(`SELECT blobs FROM mailbox_usage WHERE mailbox = '${mailbox}'`);
      expect(usage).toEqual([{ blobs: 4 }]);
    });
  });

  // External PostgreSQL only (PGlite keeps the Prisma path): the relay inserts through
  // node-postgres, grouping concurrent puts.
  if (kind.name === 'postgresql')
    describe('BlobStore with an insert pool (grouped inserts)', () => {
      let pool: pg.Pool;
      const pooled = () => new BlobStore(prisma, clock, pool);
      beforeAll(() => {
        pool = new pg.Pool({ connectionString: db.connectionString, max: 2 });
      });
      afterAll(async () => {
        await pool?.end();
      });

      it('stores 20 concurrent puts (more than one statement holds) byte for byte, each resolving only once written', async () => {
        const store = pooled();
        const mailbox = newMailbox();
        const batch = Array.from({ length: 20 }, () => newBlob(mailbox));
        await Promise.all(
          batch.map(async (b) => {
            await store.put(b);
            // Resolved means committed: another connection sees the row at once.
            expect((await sql('SELECT 1 FROM blobs WHERE id = $1', [b.id])).length).toBe(1);
          }),
        );
        const fetched = [];
        for (let i = 0; i < batch.length; i += 8)
          fetched.push(
            ...(await store.fetch(
              mailbox,
              batch.slice(i, i + 8).map((b) => b.id),
            )),
          );
        expect(fetched).toHaveLength(20);
        for (const b of batch) expect(Buffer.from(fetched.find((f) => f.id === b.id)!.bytes).equals(Buffer.from(b.bytes))).toBe(true);
      });

      it('stores neither the put whose id exists nor the second of two puts sharing an id in one statement, without failing the others', async () => {
        const store = pooled();
        const mailbox = newMailbox();
        const existing = newBlob(mailbox);
        await store.put(existing);
        const twin = newBlob(mailbox);
        const others = Array.from({ length: 6 }, () => newBlob(mailbox));
        // The fillers take every statement slot; the puts after them wait and go eight to a statement.
        const fillers = Array.from({ length: INSERT_STATEMENTS }, () => newBlob(mailbox));
        const outcomes = await Promise.allSettled([
          ...fillers.map((b) => store.put(b)),
          ...others.slice(0, 3).map((b) => store.put(b)),
          store.put({ ...newBlob(mailbox), id: existing.id }),
          store.put(twin),
          store.put({ ...newBlob(mailbox), id: twin.id }),
          ...others.slice(3).map((b) => store.put(b)),
        ]);
        const codes = outcomes.map((o) => (o.status === 'fulfilled' ? (o.value ? 'stored' : 'exists') : (o.reason as CircleError).code));
        expect(codes).toEqual([
          ...fillers.map(() => 'stored'),
          'stored',
          'stored',
          'stored',
          'exists',
          'stored',
          'exists',
          'stored',
          'stored',
          'stored',
        ]);
        const [kept] = await store.fetch(mailbox, [twin.id]);
        expect(Buffer.from(kept!.bytes).equals(Buffer.from(twin.bytes))).toBe(true);
        expect(await store.count()).toBe(8 + INSERT_STATEMENTS);
      });

      it("fetches through the pool only this mailbox's unexpired blobs, in id order, each once", async () => {
        const store = pooled();
        const [mine, theirs] = [newMailbox(), newMailbox()];
        const fresh = [newBlob(mine), newBlob(mine), newBlob(mine)];
        const expired = newBlob(mine, new Date(T0.getTime() + HOUR));
        const foreign = newBlob(theirs);
        for (const b of [...fresh, expired, foreign]) await store.put(b);
        now = new Date(T0.getTime() + 2 * HOUR);
        const ids = [fresh[2]!.id, expired.id, foreign.id, fresh[0]!.id, fresh[0]!.id, fresh[1]!.id];
        const fetched = await store.fetch(mine, ids);
        expect(fetched.map((f) => f.id)).toEqual(fresh.map((b) => b.id).sort());
        for (const f of fetched) {
          const sent = fresh.find((b) => b.id === f.id)!;
          expect(f.expiresAt).toBe(sent.expiresAt.getTime());
          expect(Buffer.from(f.bytes).equals(Buffer.from(sent.bytes))).toBe(true);
        }
        expect(await store.fetch(theirs, [fresh[0]!.id])).toEqual([]);
      });

      it("lists a blob whose write started before the list: the list waits for this node's writes to that mailbox, and only those", async () => {
        const store = pooled();
        const [mailbox, other] = [newMailbox(), newMailbox()];
        const blob = newBlob(mailbox);
        const locker = new pg.Client({ connectionString: db.connectionString });
        await locker.connect();
        try {
          // SHARE mode holds INSERTs and lets SELECTs through: the write is under way, not committed.
          await locker.query('BEGIN; LOCK TABLE blobs IN SHARE MODE');
          const writing = store.put(blob);
          const listing = store.list(mailbox, { limit: 10 });
          // Reads are not blocked by the lock: another mailbox lists at once.
          expect(await store.list(other, { limit: 10 })).toEqual({ blobs: [], nextCursor: null });
          await locker.query('COMMIT');
          await writing;
          expect((await listing).blobs.map((b) => b.id)).toEqual([blob.id]);
        } finally {
          await locker.end();
        }
      });

      it('while PostgreSQL is stalled, answers Unavailable at once beyond MAX_WAITING_ROWS waiting rows, and stores every accepted put once it moves', async () => {
        const store = pooled();
        const mailbox = newMailbox();
        const locker = new pg.Client({ connectionString: db.connectionString });
        await locker.connect();
        await locker.query('BEGIN; LOCK TABLE blobs IN ACCESS EXCLUSIVE MODE');
        // Puts arrive one by one: each of the first INSERT_STATEMENTS starts a statement (which the
        // lock holds), the next MAX_WAITING_ROWS wait, and the rest are refused.
        const accepted = INSERT_STATEMENTS + MAX_WAITING_ROWS;
        const puts = Array.from({ length: accepted + 20 }, () => newBlob(mailbox));
        const outcomes = puts.map((b) =>
          store.put(b).then(
            () => 'stored',
            (e: unknown) => (e as CircleError).code,
          ),
        );
        // The overflow is refused while the table is still locked, without waiting for it.
        expect(await Promise.all(outcomes.slice(accepted))).toEqual(Array.from({ length: 20 }, () => ErrorCode.Unavailable));
        await locker.query('COMMIT');
        await locker.end();
        expect(new Set(await Promise.all(outcomes.slice(0, accepted)))).toEqual(new Set(['stored']));
        expect(await store.count()).toBe(accepted);
      });

      it('answers Unavailable (which clients retry) when PostgreSQL does not answer within the statement timeout, for put and fetch', async () => {
        const impatient = new pg.Pool({ connectionString: db.connectionString, max: 2, statement_timeout: 300 });
        const store = new BlobStore(prisma, clock, impatient);
        const mailbox = newMailbox();
        const kept = newBlob(mailbox);
        await store.put(kept);
        const locker = new pg.Client({ connectionString: db.connectionString });
        await locker.connect();
        try {
          await locker.query('BEGIN; LOCK TABLE blobs IN ACCESS EXCLUSIVE MODE');
          await expectCircleError(store.put(newBlob(mailbox)), ErrorCode.Unavailable);
          await expectCircleError(store.fetch(mailbox, [kept.id]), ErrorCode.Unavailable);
        } finally {
          await locker.query('ROLLBACK');
          await locker.end();
          await impatient.end();
        }
        expect(await store.count()).toBe(1);
      });

      it('rejects every put of a statement that fails, and stores nothing of it', async () => {
        const store = pooled();
        const mailbox = newMailbox();
        await sql(`ALTER TABLE blobs ADD CONSTRAINT test_refuse_mailbox CHECK (mailbox <> '${mailbox}')`);
        try {
          const outcomes = await Promise.allSettled(Array.from({ length: 3 }, () => store.put(newBlob(mailbox))));
          expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
          await store.put(newBlob(newMailbox())); // the store keeps working after a failed statement
        } finally {
          await sql('ALTER TABLE blobs DROP CONSTRAINT test_refuse_mailbox');
        }
        expect(await store.count()).toBe(1);
      });
    });

  describe('Allowlist', () => {
    const entry = () => {
      const keyHash = newKeyHash();
      return { keyHash, mailbox: mailboxAddressFromKeyHash(keyHash) };
    };

    it('seeds idempotently and looks members up by key hash', async () => {
      const list = new Allowlist(prisma);
      const [a, b] = [entry(), entry()];
      expect(await list.seed([a, b])).toEqual({ added: 2 });
      expect(await list.seed([a, b])).toEqual({ added: 0 });
      const c = entry();
      expect(await list.seed([a, c])).toEqual({ added: 1 });

      expect(await list.lookup(a.keyHash)).toEqual({ mailbox: a.mailbox, revoked: false });
      expect(await list.lookup(newKeyHash())).toBeNull();
      expect(await list.activeMailboxes()).toEqual([a.mailbox, b.mailbox, c.mailbox].sort());
    });

    it('revokes a key for good: re-seeding does not bring it back', async () => {
      const list = new Allowlist(prisma);
      const [a, b] = [entry(), entry()];
      await list.seed([a, b]);

      expect(await list.revoke(a.keyHash)).toBe(true);
      expect(await list.revoke(newKeyHash())).toBe(false);
      expect(await list.lookup(a.keyHash)).toEqual({ mailbox: a.mailbox, revoked: true });
      expect(await list.isActiveMailbox(a.mailbox)).toBe(false);
      expect(await list.isActiveMailbox(b.mailbox)).toBe(true);
      expect(await list.isActiveMailbox(newMailbox())).toBe(false);

      expect(await list.seed([a])).toEqual({ added: 0 });
      expect(await list.lookup(a.keyHash)).toEqual({ mailbox: a.mailbox, revoked: true });
      expect(await list.activeMailboxes()).toEqual([b.mailbox]);
    });

    it('refuses an entry whose mailbox does not derive from its key hash', async () => {
      const list = new Allowlist(prisma);
      await expectCircleError(list.seed([{ keyHash: newKeyHash(), mailbox: newMailbox() }]), ErrorCode.BadRequest);
      await expectCircleError(list.seed([{ keyHash: 'short', mailbox: newMailbox() }]), ErrorCode.BadRequest);
      expect(await list.activeMailboxes()).toEqual([]);
    });
  });
});
