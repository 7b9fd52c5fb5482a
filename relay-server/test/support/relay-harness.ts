/**
 * A real relay for tests: real PostgreSQL (or PGlite), a real Socket.IO server on a free
 * port, and members who connect with the real client core.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowlistEntry, createCircle, encodeIdentityFile, keyHash, type Identity, type MemberKeys } from '@circle/protocol';
import { CircleClient } from '@circle/desktop-app/core';
import { loadConfig, silentLogger, startRelayStack, type Logger, type RelayStack } from '../../src/index.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export type DatabaseKindName = 'postgresql' | 'pglite';

export interface TestRelay {
  stack: RelayStack;
  url: string;
  databaseUrl?: string;
  close(): Promise<void>;
}

export interface StartTestRelayOptions {
  env?: Record<string, string>;
  clock?: () => number;
  /** Reuse an already running PostgreSQL (scale-out tests start two relays on one database). */
  postgres?: TestPostgres;
  logger?: Logger;
  /** How long a call room nobody joined stays open (the relay's default is a minute). */
  callRoomIdleMs?: number;
}

export async function startTestRelay(kind: DatabaseKindName, opts: StartTestRelayOptions = {}): Promise<TestRelay> {
  const ownPostgres = kind === 'postgresql' && !opts.postgres ? await startPostgres() : undefined;
  const pg = opts.postgres ?? ownPostgres;
  const dataDir = kind === 'pglite' ? await mkdtemp(join(tmpdir(), 'circle-relay-')) : tmpdir();
  const config = loadConfig({
    PORT: '0',
    CIRCLE_DATA_DIR: dataDir,
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    AUTH_TIMEOUT_MS: '3000',
    ...opts.env,
  });
  const stack = await startRelayStack({
    config,
    logger: opts.logger ?? silentLogger,
    clock: opts.clock,
    revocationCheckMs: 200,
    callRoomIdleMs: opts.callRoomIdleMs,
  });
  return {
    stack,
    url: stack.url,
    databaseUrl: pg?.url,
    close: async () => {
      await stack.close();
      await ownPostgres?.stop();
      if (kind === 'pglite') await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestCircle {
  keys: MemberKeys[];
  identities: Identity[];
  files: Uint8Array[];
  /** Opens member i's identity with the real client core and waits until it is online. */
  connect(i: number): Promise<CircleClient>;
  clients: CircleClient[];
  closeClients(): void;
}

/** Generates a circle for `relay`, seeds its allowlist, and hands out connected clients. */
export async function makeCircle(relay: TestRelay, names: string[], opts: { seed?: boolean } = {}): Promise<TestCircle> {
  const { members: keys, identities } = await createCircle({ names, relayUrl: relay.url });
  const files = await Promise.all(identities.map((id) => encodeIdentityFile(id)));
  if (opts.seed !== false) {
    await relay.stack.allowlist.seed(keys.map((k) => allowlistEntry(keyHash(k.member.ed25519PublicKey))));
  }
  const clients: CircleClient[] = [];
  return {
    keys,
    identities,
    files,
    clients,
    async connect(i: number) {
      const client = await CircleClient.open(files[i]!);
      clients.push(client);
      client.connect();
      await client.waitOnline();
      return client;
    },
    closeClients() {
      for (const c of clients) c.close();
    },
  };
}

/** Waits until `predicate` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for: ${what}`);
}
