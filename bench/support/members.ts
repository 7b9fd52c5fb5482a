/**
 * Members for relay benchmarks that run the relay in another process: keys from the
 * protocol, allowlist rows written with SQL (what `npm run seed` stores), and either whole
 * clients (a signed roster and identity files, as relay-harness's makeCircle makes them) or
 * bare authenticated connections through the client core's RelayConnection.
 */
import { allowlistEntry, createCircle, encodeIdentityFile, generateMemberKeys, keyHash, type MemberKeys } from '@circle/protocol';
import { CircleClient, RelayConnection } from '@circle/desktop-app/core';
import type pg from 'pg';

export interface BenchMember {
  keys: MemberKeys;
  keyHash: string;
  mailbox: string;
}

const benchMember = (keys: MemberKeys): BenchMember => ({ keys, ...allowlistEntry(keyHash(keys.member.ed25519PublicKey)) });

async function generateMembers(names: string[]): Promise<BenchMember[]> {
  return (await Promise.all(names.map((n) => generateMemberKeys(n)))).map(benchMember);
}

export const makeMembers = (prefix: string, count: number) => generateMembers(Array.from({ length: count }, (_, i) => `${prefix} ${i}`));

export async function seedAllowlist(db: pg.Pool, members: BenchMember[]): Promise<void> {
  await db.query(`INSERT INTO allowlist (key_hash, mailbox) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`, [
    members.map((m) => m.keyHash),
    members.map((m) => m.mailbox),
  ]);
}

/** Opens an authenticated connection for `member` and waits until the relay let it in. */
export async function connectMember(relayUrl: string, member: BenchMember, timeoutMs = 15_000): Promise<RelayConnection> {
  const connection = new RelayConnection(relayUrl, {
    ed25519Seed: member.keys.ed25519Seed,
    ed25519PublicKey: member.keys.member.ed25519PublicKey,
  });
  connection.connect();
  await connection.waitOnline(timeoutMs);
  return connection;
}

/**
 * A circle for a relay running elsewhere: signed roster, identity files, allowlist seeded;
 * `connect(i)` opens member i's identity file with the real client core and waits until online.
 */
export async function makeCircleAt(relayUrl: string, db: pg.Pool, names: string[]) {
  const circle = await createCircle({ names, relayUrl });
  const members = circle.members.map(benchMember);
  const files = await Promise.all(circle.identities.map((id) => encodeIdentityFile(id)));
  await seedAllowlist(db, members);
  const clients: CircleClient[] = [];
  return {
    members,
    async connect(i: number): Promise<CircleClient> {
      const client = await CircleClient.open(files[i]!);
      clients.push(client);
      client.connect();
      await client.waitOnline();
      return client;
    },
    closeClients(): void {
      for (const c of clients) c.close();
    },
  };
}
