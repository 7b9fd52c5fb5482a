/**
 * A circle made for a relay URL rather than for an in-process relay: identity files whose
 * roster names `relayUrl`, the allowlist seeded straight into a database (for relays that
 * run as child processes), and members connected with the real client core.
 */
import { tmpdir } from 'node:os';
import { allowlistEntry, createCircle, encodeIdentityFile, keyHash, type MemberKeys } from '@circle/protocol';
import { CircleClient, type ReceivedMessage } from '@circle/desktop-app/core';
import { Allowlist, applyMigrations, createPrismaClient, openDatabase, type AllowlistSeed } from '../../src/index.js';

export interface MemberCircle {
  relayUrl: string;
  keys: MemberKeys[];
  files: Uint8Array[];
  seeds: AllowlistSeed[];
  clients: CircleClient[];
  /** Opens member i's identity with the real client core, not yet connected (attach listeners first). */
  open(i: number, opts?: { relayUrl?: string }): Promise<CircleClient>;
  /** Connects a client (from `open`, or member i opened now) and waits until it is online. */
  connect(client: CircleClient | number, opts?: { relayUrl?: string }): Promise<CircleClient>;
  closeClients(): void;
}

export async function generateCircle(relayUrl: string, names: string[]): Promise<MemberCircle> {
  const { members: keys, identities } = await createCircle({ names, relayUrl });
  const files = await Promise.all(identities.map((id) => encodeIdentityFile(id)));
  const seeds = keys.map((k) => allowlistEntry(keyHash(k.member.ed25519PublicKey)));
  const clients: CircleClient[] = [];
  const open = async (i: number, opts: { relayUrl?: string } = {}) => {
    const client = await CircleClient.open(files[i]!, { relayUrl: opts.relayUrl });
    clients.push(client);
    return client;
  };
  return {
    relayUrl,
    keys,
    files,
    seeds,
    clients,
    open,
    async connect(target, opts = {}) {
      const client = typeof target === 'number' ? await open(target, opts) : target;
      client.connect();
      await client.waitOnline();
      return client;
    },
    closeClients() {
      for (const c of clients) c.close();
    },
  };
}

/** Seeds the allowlist in the PostgreSQL at `databaseUrl` with the relay's own store code (migrating first). */
export async function seedAllowlist(databaseUrl: string, seeds: AllowlistSeed[]): Promise<{ added: number }> {
  const db = await openDatabase({ databaseUrl, dataDir: tmpdir() });
  try {
    await applyMigrations(db.connectionString);
    const prisma = createPrismaClient(db);
    try {
      return await new Allowlist(prisma).seed(seeds);
    } finally {
      await prisma.$disconnect();
    }
  } finally {
    await db.close();
  }
}

/** Text messages from others, counted by message id (what the member's app would show). */
export function countTextsByMessageId(client: CircleClient): {
  counts: Map<string, number>;
  texts: Map<string, string>;
  inbox: ReceivedMessage[];
} {
  const counts = new Map<string, number>();
  const texts = new Map<string, string>();
  const inbox: ReceivedMessage[] = [];
  client.on('message', (m) => {
    if (m.fromMe || m.content.body.type !== 'text') return;
    inbox.push(m);
    counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
    texts.set(m.messageId, m.content.body.text);
  });
  return { counts, texts, inbox };
}
