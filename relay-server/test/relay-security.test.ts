import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import WebSocket from 'ws';
import pg from 'pg';
import {
  BLOB_BYTES,
  ErrorCode,
  keyHash,
  mailboxAddress,
  nativeSuite,
  signRelayChallenge,
  toBase64Url,
  fromBase64Url,
  toHex,
  utf8Encode,
  type Conversation,
} from '@circle/protocol';
import type { CircleClient } from '@circle/desktop-app/core';
import { createLogger } from '../src/index.js';
import { fetchChallenge, rawConnect as connectOnce, rawRequest, signedAuth } from './support/raw-socket.js';
import { eventually, makeCircle, startTestRelay, type TestCircle, type TestRelay } from './support/relay-harness.js';

const direct: Conversation = { kind: 'direct' };
const logLines: string[] = [];
let relay: TestRelay;
let circle: TestCircle;

beforeAll(async () => {
  // A frozen clock: rate-limit buckets never refill, so the limit test does not depend on machine speed.
  const frozen = Date.now();
  relay = await startTestRelay('postgresql', {
    clock: () => frozen,
    logger: createLogger('debug', (l) => logLines.push(l)),
    env: { RATE_LIMIT_BURST: '400', MAILBOX_QUOTA_MB: '8' },
  });
  circle = await makeCircle(relay, ['Alice', 'Bob', 'Carol']);
});
afterAll(async () => {
  circle?.closeClients();
  await relay?.close();
});

const challenge = () => fetchChallenge(relay.url);
const authFor = (i: number, origin = relay.url, ch?: string) => signedAuth(circle.keys[i]!, relay.url, origin, ch);
const rawConnect = (auth: unknown) => connectOnce(relay.url, auth);
const request = (socket: Socket, event: string, payload: unknown) => rawRequest(socket, event, payload);

describe('relay authentication refuses', () => {
  it('a connection with no proof, naming the field', async () => {
    const r = await rawConnect({});
    expect(r.error?.code).toBe(ErrorCode.BadRequest);
    expect(r.error?.message).toMatch(/challenge/);
  });

  it('an unknown key (not on the allowlist)', async () => {
    const stranger = await makeCircle(relay, ['Mallory'], { seed: false });
    const c = await challenge();
    const k = stranger.keys[0]!;
    const proof = await signRelayChallenge(k.ed25519Seed, k.member.ed25519PublicKey, fromBase64Url(c), relay.url);
    const r = await rawConnect({ challenge: c, publicKey: toBase64Url(proof.publicKey), signature: toBase64Url(proof.signature) });
    expect(r.error?.code).toBe(ErrorCode.NotAllowlisted);
  });

  it('a replayed challenge response', async () => {
    const auth = await authFor(0);
    const first = await rawConnect(auth);
    expect(first.socket?.connected).toBe(true);
    first.socket!.close();
    const replay = await rawConnect(auth);
    expect(replay.error?.code).toBe(ErrorCode.ChallengeInvalid);
  });

  it('a replayed response whose challenge is spelled differently (same 32 bytes, other base64url padding bits)', async () => {
    const auth = await authFor(0);
    const first = await rawConnect(auth);
    expect(first.socket?.connected).toBe(true);
    first.socket!.close();
    // 43 characters carry 258 bits: the last character's two low bits are free.
    const last = auth.challenge.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = auth.challenge.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1]!;
    expect(Buffer.from(fromBase64Url(respelled)).equals(Buffer.from(fromBase64Url(auth.challenge)))).toBe(true);
    expect((await rawConnect({ ...auth, challenge: respelled })).error?.code).toBe(ErrorCode.ChallengeInvalid);
  });

  it('nothing to a member because of a flood of challenge requests: a challenge fetched before 12,000 others still works', async () => {
    const early = await challenge();
    for (let sent = 0; sent < 12_000; sent += 200) await Promise.all(Array.from({ length: 200 }, () => challenge()));
    const r = await rawConnect(await authFor(0, relay.url, early));
    expect(r.socket?.connected).toBe(true);
    r.socket!.close();
  });

  it('nothing to a member because a stranger used their challenge first or flooded handshakes: only a member’s login spends a challenge', async () => {
    const stranger = await makeCircle(relay, ['Mallory'], { seed: false });
    const mine = await authFor(0);
    // The stranger replays the member's challenge with a bad signature, then signed by an unlisted key.
    const badSignature = { ...mine, signature: toBase64Url(nativeSuite.randomBytes(64)) };
    expect((await rawConnect(badSignature)).error?.code).toBe(ErrorCode.BadSignature);
    const k = stranger.keys[0]!;
    const signedByStranger = await signRelayChallenge(k.ed25519Seed, k.member.ed25519PublicKey, fromBase64Url(mine.challenge), relay.url);
    const unlisted = {
      challenge: mine.challenge,
      publicKey: toBase64Url(signedByStranger.publicKey),
      signature: toBase64Url(signedByStranger.signature),
    };
    expect((await rawConnect(unlisted)).error?.code).toBe(ErrorCode.NotAllowlisted);
    // A flood of the stranger's own signed handshakes, each with a fresh challenge.
    for (let sent = 0; sent < 200; sent += 50)
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const c = await challenge();
          const p = await signRelayChallenge(k.ed25519Seed, k.member.ed25519PublicKey, fromBase64Url(c), relay.url);
          const r = await rawConnect({ challenge: c, publicKey: toBase64Url(p.publicKey), signature: toBase64Url(p.signature) });
          expect(r.error?.code).toBe(ErrorCode.NotAllowlisted);
        }),
      );
    const r = await rawConnect(mine);
    expect(r.socket?.connected).toBe(true);
    r.socket!.close();
  });

  it('a response signed for another relay origin', async () => {
    const r = await rawConnect(await authFor(0, 'https://evil.example'));
    expect(r.error?.code).toBe(ErrorCode.BadSignature);
  });

  it('a made-up challenge and a signature by another key', async () => {
    const made = await authFor(0, relay.url, toBase64Url(nativeSuite.randomBytes(32)));
    expect((await rawConnect(made)).error?.code).toBe(ErrorCode.ChallengeInvalid);
    const good = await authFor(0);
    const other = await authFor(1);
    expect((await rawConnect({ ...good, signature: other.signature })).error?.code).toBe(ErrorCode.BadSignature);
  });

  it('a revoked key, and drops the revoked member who is already connected', async () => {
    const revokedCircle = await makeCircle(relay, ['Eve', 'Frank']);
    const eve = await revokedCircle.connect(0);
    const states: string[] = [];
    eve.on('state', (s) => states.push(s.state));
    await relay.stack.allowlist.revoke(keyHash(revokedCircle.keys[0]!.member.ed25519PublicKey));
    await eventually(() => states.includes('revoked'), 'the live socket is told and dropped', 5000);
    const c = await challenge();
    const k = revokedCircle.keys[0]!;
    const proof = await signRelayChallenge(k.ed25519Seed, k.member.ed25519PublicKey, fromBase64Url(c), relay.url);
    expect(
      (await rawConnect({ challenge: c, publicKey: toBase64Url(proof.publicKey), signature: toBase64Url(proof.signature) })).error?.code,
    ).toBe(ErrorCode.Revoked);
    revokedCircle.closeClients();
  });

  it('serves no event before authentication, and drops a flood of silent sockets after the auth timeout', async () => {
    const wsUrl = relay.url.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket';
    const sockets = await Promise.all(
      Array.from(
        { length: 40 },
        () =>
          new Promise<{ ws: WebSocket; got: string[] }>((resolve, reject) => {
            const ws = new WebSocket(wsUrl);
            const got: string[] = [];
            ws.on('message', (d: Buffer) => got.push(d.toString('utf8')));
            ws.on('open', () => resolve({ ws, got }));
            ws.on('error', reject);
          }),
      ),
    );
    // An event packet without a namespace CONNECT: the relay must not answer it.
    sockets[0]!.ws.send('421["mailbox:list",{}]');
    const closed = sockets.map(({ ws }) => new Promise<void>((r) => ws.on('close', () => r())));
    const started = Date.now();
    await Promise.all(closed);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(sockets[0]!.got.filter((m) => m.startsWith('43'))).toEqual([]); // no ack ever came back
  }, 20_000);
});

describe('mailboxes are private and inputs are checked', () => {
  let alice: CircleClient;
  let bob: CircleClient;
  let aliceSocket: Socket;

  beforeAll(async () => {
    alice = await circle.connect(0);
    bob = await circle.connect(1);
    aliceSocket = (await rawConnect(await authFor(0))).socket!;
  });
  afterAll(() => aliceSocket?.close());

  it("A cannot list, fetch or delete B's blobs", async () => {
    const sent = await alice.send(direct, { type: 'text', text: 'for Bob' }, [alice.directory.byName('Bob')!]);
    const bobsBlob = sent.copies[0]!.blobId;
    const list = await request(aliceSocket, 'mailbox:list', {});
    expect((list.value as { blobs: { id: string }[] }).blobs.map((b) => b.id)).not.toContain(bobsBlob);
    const fetched = await request(aliceSocket, 'blob:fetch', { ids: [bobsBlob] });
    expect((fetched.value as { blobs: unknown[] }).blobs).toEqual([]);
    const carol = (await rawConnect(await authFor(2))).socket!;
    const del = await request(carol, 'blob:delete', { id: bobsBlob });
    expect(del.error?.code).toBe(ErrorCode.NotFound);
    const wrongProof = await request(carol, 'blob:delete', { id: bobsBlob, proof: toHex(nativeSuite.randomBytes(32)) });
    expect(wrongProof.error?.code).toBe(ErrorCode.NotFound);
    carol.close();
    expect((await bob.connection.request('blob:fetch', { ids: [bobsBlob] })).blobs).toHaveLength(1);
  });

  it('the sender can unsend with the deletion secret; the recipient can delete its own', async () => {
    const sent = await alice.send(direct, { type: 'text', text: 'oops' }, [alice.directory.byName('Bob')!]);
    const secrets = new Map<string, string>();
    const secondDevice = await circle.connect(0);
    secondDevice.on('message', (m) => m.content.sent?.copies.forEach((c) => secrets.set(c.blobId, c.deleteSecret)));
    await secondDevice.sync();
    const secret = secrets.get(sent.copies[0]!.blobId)!;
    expect((await request(aliceSocket, 'blob:delete', { id: sent.copies[0]!.blobId, proof: secret })).value).toEqual({ deleted: true });
    const again = await alice.send(direct, { type: 'text', text: 'delete me' }, [alice.directory.byName('Bob')!]);
    expect(await bob.connection.request('blob:delete', { id: again.copies[0]!.blobId })).toEqual({ deleted: true });
  });

  it('wrong-size blobs and garbage get coded errors, a non-member recipient is answered like a member, and the connection survives', async () => {
    const id = () => globalThis.crypto.randomUUID();
    const to = mailboxAddress(circle.keys[1]!.member.ed25519PublicKey);
    const proof = toHex(nativeSuite.randomBytes(32));
    const small = await request(aliceSocket, 'blob:put', { id: id(), to, bytes: new Uint8Array(1000).fill(1), deleteProofHash: proof });
    expect(small.error?.code).toBe(ErrorCode.BlobSize);
    const frame = new Uint8Array(BLOB_BYTES).fill(7);
    frame[0] = 1;
    const strangerId = id();
    const stranger = await request(aliceSocket, 'blob:put', { id: strangerId, to: 'f'.repeat(32), bytes: frame, deleteProofHash: proof });
    expect(stranger.ok).toBe(true);
    expect(await relay.stack.blobs.get(strangerId)).toBeNull();
    for (const garbage of [null, 42, 'text', [], { id: 'nope' }, { id: id(), to, bytes: 'AAAA', deleteProofHash: proof }]) {
      const r = await request(aliceSocket, 'blob:put', garbage);
      expect(r.error?.code).toBe(ErrorCode.BadRequest);
      expect(r.error?.message).toMatch(/blob:put/);
    }
    expect((await request(aliceSocket, 'mailbox:list', { limit: 10_000 })).error?.message).toMatch(/field 'limit'/);
    aliceSocket.emit('no:such:event', { x: 1 });
    aliceSocket.emit('blob:put', { no: 'ack' });
    expect((await request(aliceSocket, 'presence:list', {})).ok).toBe(true);
  });

  it('an oversized payload closes that connection cleanly and the relay keeps serving', async () => {
    const victim = (await rawConnect(await authFor(0))).socket!;
    const closed = new Promise<string>((r) => victim.on('disconnect', (reason) => r(reason)));
    victim.emit(
      'blob:put',
      { id: globalThis.crypto.randomUUID(), to: 'a'.repeat(32), bytes: new Uint8Array(2 * 1024 * 1024), deleteProofHash: 'a'.repeat(64) },
      () => undefined,
    );
    expect(await closed).toMatch(/transport (close|error)/);
    expect((await request(aliceSocket, 'presence:list', {})).ok).toBe(true);
  });

  it('refuses sending faster than the rate limit, and beyond the mailbox quota', async () => {
    const to = mailboxAddress(circle.keys[2]!.member.ed25519PublicKey);
    const frame = new Uint8Array(BLOB_BYTES).fill(3);
    frame[0] = 1;
    const codes = new Set<string>();
    // 8 MiB quota = 128 blobs for Carol; burst 400 for Alice. Quota trips first.
    for (let i = 0; i < 140; i++) {
      const r = await request(aliceSocket, 'blob:put', {
        id: globalThis.crypto.randomUUID(),
        to,
        bytes: frame,
        deleteProofHash: 'b'.repeat(64),
      });
      if (!r.ok) codes.add(r.error!.code);
    }
    expect(codes).toEqual(new Set([ErrorCode.QuotaExceeded]));
    for (let i = 0; i < 400 && !codes.has(ErrorCode.RateLimited); i++) {
      const r = await request(aliceSocket, 'blob:put', {
        id: globalThis.crypto.randomUUID(),
        to,
        bytes: frame,
        deleteProofHash: 'b'.repeat(64),
      });
      if (!r.ok) codes.add(r.error!.code);
    }
    expect(codes.has(ErrorCode.RateLimited)).toBe(true);
  }, 60_000);
});

describe('what the relay keeps', () => {
  it('a database dump after a conversation holds no plaintext, no sender key or key hash beside blobs, and no send time', async () => {
    const dumpCircle = await makeCircle(relay, ['Sender', 'Receiver']);
    const sender = await dumpCircle.connect(0);
    const plaintext = 'the secret meeting is at the old mill';
    await sender.send(direct, { type: 'text', text: plaintext }, [sender.directory.byName('Receiver')!]);
    const senderKey = dumpCircle.keys[0]!.member.ed25519PublicKey;
    const senderHash = keyHash(senderKey);
    const client = new pg.Client({ connectionString: relay.databaseUrl });
    await client.connect();
    try {
      const columns = await client.query<{ table_name: string; column_name: string; data_type: string }>(
        `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name, column_name`,
      );
      const timeColumns = columns.rows.filter((c) => /time|date/.test(c.data_type)).map((c) => `${c.table_name}.${c.column_name}`);
      expect(timeColumns).toEqual(['blobs.expires_at', 'prekeys.expires_at']);
      expect(columns.rows.filter((c) => c.table_name === 'blobs').map((c) => c.column_name)).toEqual([
        'bytes',
        'delete_proof_hash',
        'expires_at',
        'id',
        'mailbox',
      ]);
      const tables = [...new Set(columns.rows.map((c) => c.table_name))];
      const needles = {
        plaintext: toHex(utf8Encode(plaintext)),
        senderKey: toHex(senderKey),
        senderKeyHash: senderHash,
        senderMailbox: mailboxAddress(senderKey),
      };
      for (const table of tables) {
        const { rows } = await client.query<{ row: string }>(`SELECT encode(convert_to(t::text, 'UTF8'), 'hex') AS row FROM "${table}" t`);
        const { rows: textRows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${table}" t`);
        const dump = rows.map((r) => r.row).join('\n') + textRows.map((r) => r.row).join('\n');
        expect(dump.includes(needles.plaintext) || dump.includes(plaintext), `plaintext in ${table}`).toBe(false);
        expect(dump.includes(needles.senderKey), `sender key in ${table}`).toBe(false);
        // devices: a device row names its member's mailbox (never who sent a blob); mailbox_usage
        // counts blobs per recipient mailbox, like blobs (the sender's own copy included).
        if (!['allowlist', 'blobs', 'devices', 'mailbox_usage'].includes(table)) {
          expect(dump.includes(needles.senderKeyHash), `sender key hash in ${table}`).toBe(false);
          expect(dump.includes(needles.senderMailbox), `sender mailbox in ${table}`).toBe(false);
        }
      }
      // Beside a blob, the only member-derived value is its recipient's mailbox: the sender's
      // mailbox appears only as the recipient of the sender's own copy.
      const { rows: blobRows } = await client.query<{ mailbox: string; rest: string }>(
        `SELECT mailbox, id::text || encode(bytes, 'hex') || delete_proof_hash || expires_at::text AS rest FROM blobs`,
      );
      for (const r of blobRows) {
        expect(r.rest.includes(needles.senderKeyHash) || r.rest.includes(needles.senderMailbox) || r.rest.includes(needles.senderKey)).toBe(
          false,
        );
      }
      const receiverMailbox = mailboxAddress(dumpCircle.keys[1]!.member.ed25519PublicKey);
      expect(blobRows.filter((r) => r.mailbox === receiverMailbox)).toHaveLength(1);
      expect(blobRows.filter((r) => r.mailbox === needles.senderMailbox)).toHaveLength(1);
    } finally {
      await client.end();
      dumpCircle.closeClients();
    }
  });

  it('logs name no key hash, mailbox, blob id or IP address', () => {
    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    for (const k of circle.keys) {
      expect(all).not.toContain(keyHash(k.member.ed25519PublicKey));
      expect(all).not.toContain(mailboxAddress(k.member.ed25519PublicKey));
    }
    expect(all).not.toMatch(/127\.0\.0\.1/);
  });
});
