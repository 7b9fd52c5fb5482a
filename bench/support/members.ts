/**
 * Members for relay benchmarks that run the relay in another process: keys from the
 * protocol, allowlist rows written with SQL (what `npm run seed` stores), and either whole
 * clients (a signed roster and identity files, as relay-harness's makeCircle makes them) or
 * bare authenticated connections through the client core's RelayConnection.
 */
import {
  encodeIdentityFile,
  generateMemberKeys,
  generateOperatorSeed,
  keyHash,
  mailboxAddressFromKeyHash,
  signRoster,
  type MemberKeys,
} from '@circle/protocol';
import { CircleClient, RelayConnection } from '@circle/desktop-app/core';
import type pg from 'pg';

export interface BenchMember {
  keys: MemberKeys;
  keyHash: string;
  mailbox: string;
}

async function generateMembers(names: string[]): Promise<BenchMember[]> {
  const keys = await Promise.all(names.map((n) => generateMemberKeys(n)));
  return keys.map((k) => {
    const hash = keyHash(k.member.ed25519PublicKey);
    return { keys: k, keyHash: hash, mailbox: mailboxAddressFromKeyHash(hash) };
  });
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
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${member.keys.member.name} did not get online within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = connection.on('state', ({ state, error }) => {
      if (state === 'online') {
        clearTimeout(timer);
        off();
        resolve();
      } else if (state === 'rejected' || state === 'revoked') {
        clearTimeout(timer);
        off();
        reject(new Error(`${member.keys.member.name} refused: ${error?.message ?? state}`));
      }
    });
    connection.connect();
  });
  return connection;
}

/**
 * A circle for a relay running elsewhere: signed roster, identity files, allowlist seeded;
 * `connect(i)` opens member i's identity file with the real client core and waits until online.
 */
export async function makeCircleAt(relayUrl: string, db: pg.Pool, names: string[]) {
  const members = await generateMembers(names);
  const roster = await signRoster({ operatorSeed: generateOperatorSeed(), relayUrl, members: members.map((m) => m.keys.member) });
  const files = await Promise.all(
    members.map(({ keys }, memberIndex) =>
      encodeIdentityFile({ x25519SecretKey: keys.x25519SecretKey, ed25519Seed: keys.ed25519Seed, memberIndex, roster }),
    ),
  );
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
