/**
 * Login challenges for a cluster: every node signs challenges with one key kept in PostgreSQL
 * (drawn by the first node that starts), and used challenges are claimed in PostgreSQL, so a
 * challenge fetched from one node is accepted by any node, once. A proxy may therefore send a
 * member's HTTP request and their WebSocket to different nodes.
 *
 * The key only makes challenges unforgeable, so nobody can present one the relay never issued;
 * it is not a secret that protects members (a login still needs the member's Ed25519 key).
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { CheckedChallenge, ClaimResult, UsedChallenges } from '../auth/challenges.js';

const SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS relay_cluster_secrets (name text PRIMARY KEY, value bytea NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS relay_used_challenges (id bytea PRIMARY KEY, expires_at timestamptz NOT NULL)`,
];
const KEY_NAME = 'challenge-key';
/** Expired claims are deleted at most this often (by whichever node logs someone in). */
const PRUNE_EVERY_MS = 60_000;

/** Creates the tables if needed and returns the cluster's challenge key (the same on every node). */
export async function loadClusterChallengeKey(pool: pg.Pool): Promise<Uint8Array> {
  for (const sql of SCHEMA_SQL) await pool.query(sql);
  await pool.query(`INSERT INTO relay_cluster_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [
    KEY_NAME,
    randomBytes(32),
  ]);
  const { rows } = await pool.query<{ value: Buffer }>(`SELECT value FROM relay_cluster_secrets WHERE name = $1`, [KEY_NAME]);
  const key = rows[0]?.value;
  if (!key || key.length !== 32) throw new Error('the cluster challenge key in relay_cluster_secrets is missing or not 32 bytes');
  return new Uint8Array(key);
}

/**
 * Used challenges in PostgreSQL: a claim is one INSERT, refused by the primary key when any
 * node claimed the same challenge before. Only authenticated members reach it.
 */
export class PostgresUsedChallenges implements UsedChallenges {
  private lastPrune = 0;

  constructor(private readonly pool: pg.Pool) {}

  async claim(challenge: CheckedChallenge, _member: string, nowMs: number): Promise<ClaimResult> {
    if (nowMs - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = nowMs;
      await this.pool.query(`DELETE FROM relay_used_challenges WHERE expires_at < to_timestamp($1)`, [nowMs / 1000]);
    }
    const inserted = await this.pool.query(
      `INSERT INTO relay_used_challenges (id, expires_at) VALUES ($1, to_timestamp($2)) ON CONFLICT (id) DO NOTHING`,
      [Buffer.from(challenge.id, 'hex'), challenge.expirySecond],
    );
    return inserted.rowCount === 1 ? 'claimed' : 'used';
  }
}
