/**
 * CircleClient: the client core. Holds the member's keys (nothing else does), seals and
 * opens every envelope, keeps the connection, syncs the mailbox, sends through the outbox,
 * downloads files, and relays live signals. Runs unchanged in a browser Worker and in Node.
 */
import {
  CircleError,
  ErrorCode,
  FileCipher,
  MAX_FILE_BYTES,
  MAX_FETCH_IDS,
  ReplayGuard,
  SIGNAL_BYTES,
  SendCounter,
  chunkBlobId,
  chunkDeleteSecret,
  chunkTagKey,
  countFileChunks,
  decodeIdentityFile,
  decodeMessageContent,
  decodeSignalContent,
  deleteProofHash,
  encodeContent,
  equalBytes,
  expiryWindow,
  fromHex,
  isChunkBlobId,
  mapConcurrently,
  nativeSuite,
  openEnvelope,
  sealEnvelope,
  sealFile,
  toHex,
  type Conversation,
  type ErrorInfo,
  type FileManifest,
  type Identity,
  type MessageBody,
  type MessageContent,
  type SentCopy,
  type SignalContent,
} from '@circle/protocol';
import { Directory, type Contact } from './directory.js';
import { Emitter } from './emitter.js';
import { LiveChunks } from './live-chunks.js';
import { Outbox } from './outbox.js';
import { RelayConnection, type ConnectionState } from './relay-connection.js';

export interface ReceivedMessage {
  blobId: string;
  expiresAt: number;
  messageId: string;
  from: Contact;
  fromMe: boolean;
  sentAt: number;
  counter: bigint;
  content: MessageContent;
  /** 'reordered' when it arrived after a later message from the same sender. */
  order: 'fresh' | 'reordered';
}

export interface ReceivedSignal {
  from: Contact;
  signal: SignalContent['signal'];
}

export interface SentMessage {
  messageId: string;
  sentAt: number;
  copies: { to: string; blobId: string; expiresAt: number }[];
  /** Recipients whose copy could not be stored, with the reason. */
  failed: { to: string; error: ErrorInfo }[];
  /** What my own copies record (deletion secrets for unsend), and their blob ids (one per recipient for a file). */
  record: SentCopy;
  ownBlobIds: string[];
  /** The file manifests sent, one per recipient (their chunks are deleted on unsend). */
  files: FileManifest[];
}

/** Everything unsend deletes, gathered from my own copies of the message. */
export interface UnsendPlan {
  sent: MessageContent['sent'];
  ownBlobIds: readonly string[];
  files: readonly FileManifest[];
}

/** Chunk deletions in flight during unsend. */
const DELETES_IN_FLIGHT = 8;
/** Waits before retrying a failed sync while online (see syncWhileOnline); the last repeats. */
const SYNC_RETRY_MS = [1_000, 5_000, 30_000];

export interface ProgressEvent {
  done: number;
  total: number;
}

type ClientEvents = {
  message: ReceivedMessage;
  signal: ReceivedSignal;
  presence: { member: Contact; online: boolean };
  state: { state: ConnectionState; error?: ErrorInfo };
  synced: { count: number };
  'call-member': { roomId: string; member: Contact; joined: boolean };
};

/** Message kinds that get delivered/read receipts. */
const RECEIPTED = new Set(['text', 'file']);
const randomUuid = (): string => globalThis.crypto.randomUUID();
const newSecret = () => nativeSuite.randomBytes(32);
/**
 * What the replay guard remembers per message. My own copies of one message are several blobs
 * (a file sent to a group leaves one per recipient), each sealed with its own counter, so for
 * them the counter is part of the key; a replayed blob repeats its counter and is still caught.
 */
const replayKey = (from: Contact, messageId: string, counter: bigint): string => (from.isMe ? `${messageId}:${counter}` : messageId);

export interface OpenClientOptions {
  passphrase?: string;
  /** Overrides the relay URL in the identity file (e.g. a settings override). */
  relayUrl?: string;
}

export class CircleClient extends Emitter<ClientEvents> {
  readonly directory: Directory;
  readonly connection: RelayConnection;
  private readonly outbox: Outbox;
  private readonly guard = new ReplayGuard();
  private readonly counter = new SendCounter();
  private readonly seenBlobs = new Set<string>();
  /** Per other member: the key that marks file chunk ids between us (PROTOCOL.md §6.2). */
  private readonly chunkTagKeys = new Map<string, Promise<Uint8Array>>();
  private readonly online = new Set<string>();
  /** One map per presence list on its way: the updates that arrived since it was asked for. */
  private readonly presenceWhileListing = new Set<Map<string, boolean>>();
  private readonly liveChunks = new LiveChunks();
  private syncing: Promise<number> | undefined;
  /** A sync asked for while one runs: it runs after, since the running one may have listed too early. */
  private syncAgain: Promise<number> | undefined;
  private syncRetry: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly identity: Identity,
    relayUrl: string,
  ) {
    super();
    this.directory = new Directory(identity);
    this.connection = new RelayConnection(relayUrl, {
      ed25519Seed: identity.ed25519Seed,
      ed25519PublicKey: this.directory.me.ed25519PublicKey,
    });
    this.outbox = new Outbox(this.connection);
    this.wire();
  }

  /** Decodes an identity file (throws the protocol's typed errors) and prepares a client. */
  static async open(identityFile: Uint8Array, options: OpenClientOptions = {}): Promise<CircleClient> {
    const identity = await decodeIdentityFile(identityFile, { passphrase: options.passphrase });
    return new CircleClient(identity, options.relayUrl ?? identity.roster.relayUrl);
  }

  get me(): Contact {
    return this.directory.me;
  }
  get roster() {
    return this.identity.roster;
  }
  get state(): ConnectionState {
    return this.connection.state;
  }
  isOnline(member: Contact): boolean {
    return member.isMe ? this.state === 'online' : this.online.has(member.mailbox);
  }

  connect(): void {
    this.connection.connect();
  }
  close(): void {
    clearTimeout(this.syncRetry);
    this.connection.close();
  }

  /** Resolves when connected, or rejects with the reason the relay refused us. */
  waitOnline(timeoutMs = 15_000): Promise<void> {
    return this.connection.waitOnline(timeoutMs);
  }

  /**
   * Lists and opens everything in the mailbox; returns new messages seen. Safe to call repeatedly:
   * calls made while a sync runs share one more sync after it, so every call sees what the
   * mailbox held when it was made (a reconnect during a sync is not folded into the old one).
   */
  sync(): Promise<number> {
    if (!this.syncing) {
      this.syncing = this.syncOnce().finally(() => (this.syncing = undefined));
      return this.syncing;
    }
    this.syncAgain ??= this.syncing.then(
      () => this.syncNext(),
      () => this.syncNext(),
    );
    return this.syncAgain;
  }

  private syncNext(): Promise<number> {
    this.syncAgain = undefined;
    return this.sync();
  }

  /**
   * The sync after coming online. If it fails (the relay answered an error, or did not answer),
   * it is retried while the connection stays up: 1 s, 5 s, then every 30 s. Otherwise what
   * waited in the mailbox would show only after the next reconnect.
   */
  private syncWhileOnline(attempt = 0): void {
    clearTimeout(this.syncRetry);
    this.sync().catch(() => {
      if (this.state !== 'online') return; // the next 'online' syncs again
      const delay = SYNC_RETRY_MS[Math.min(attempt, SYNC_RETRY_MS.length - 1)]!;
      this.syncRetry = setTimeout(() => this.state === 'online' && this.syncWhileOnline(attempt + 1), delay);
    });
  }

  private async syncOnce(): Promise<number> {
    let cursor: string | undefined;
    const ids: string[] = [];
    const chunkKeys = await this.allChunkTagKeys();
    do {
      const page = await this.connection.request('mailbox:list', { cursor, limit: 500 });
      // File chunks are fetched when their file is opened, not here.
      for (const b of page.blobs) if (!this.seenBlobs.has(b.id) && !isChunkBlobId(b.id, chunkKeys)) ids.push(b.id);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    let count = 0;
    for (const batch of chunkBytesIds(ids, MAX_FETCH_IDS)) {
      const { blobs } = await this.connection.request('blob:fetch', { ids: batch });
      for (const b of blobs) if (await this.accept(b)) count++;
    }
    this.emit('synced', { count });
    return count;
  }

  /** The chunk tag key shared with `member`, computed once. */
  private chunkTagKey(member: Contact): Promise<Uint8Array> {
    let key = this.chunkTagKeys.get(member.id);
    if (!key) {
      key = chunkTagKey(this.identity.x25519SecretKey, this.me.x25519PublicKey, member.x25519PublicKey);
      this.chunkTagKeys.set(member.id, key);
    }
    return key;
  }

  /** Every other member's chunk tag key; a member whose roster key is unusable is left out. */
  private async allChunkTagKeys(): Promise<Uint8Array[]> {
    const keys = await Promise.all(this.directory.others.map((m) => this.chunkTagKey(m).catch(() => undefined)));
    return keys.filter((k): k is Uint8Array => k !== undefined);
  }

  /** A live push: a message is opened; a file chunk (tagged for us) is kept for when its file is opened. */
  private async acceptLive(blob: { id: string; expiresAt: number; bytes: Uint8Array }): Promise<void> {
    if (await this.accept(blob)) return;
    // Only what did not open as a message pays for the tag check (one HMAC per member).
    if (isChunkBlobId(blob.id, await this.allChunkTagKeys())) this.liveChunks.keep(blob.id, blob.bytes);
  }

  /** Opens one stored blob; false when it is not a message for us (a file chunk, a duplicate, garbage). */
  private async accept(blob: { id: string; expiresAt: number; bytes: Uint8Array }): Promise<boolean> {
    if (this.seenBlobs.has(blob.id)) return false;
    this.seenBlobs.add(blob.id);
    let opened;
    try {
      opened = await openEnvelope(blob.bytes, { x25519SecretKey: this.identity.x25519SecretKey, ...this.me });
    } catch {
      return false; // file chunks look like envelopes; anything unopenable is skipped, never fatal
    }
    const from = this.directory.get(toHex(opened.senderPublicKey));
    if (!from) return false; // not on our pinned roster
    let content: MessageContent;
    try {
      content = decodeMessageContent(opened.content);
    } catch {
      return false;
    }
    // A group message from someone the group does not list is not accepted into it.
    if (content.conversation.kind === 'group' && !content.conversation.members.includes(from.id)) return false;
    const messageId = toHex(opened.messageId);
    const verdict = this.guard.check(from.id, replayKey(from, messageId, opened.counter), opened.counter);
    if (verdict === 'duplicate') return false;
    this.emit('message', {
      blobId: blob.id,
      expiresAt: blob.expiresAt,
      messageId,
      from,
      fromMe: from.isMe,
      sentAt: Number(opened.sentAt),
      counter: opened.counter,
      content,
      order: verdict,
    });
    return true;
  }

  /** Members a conversation's messages go to (never including me). */
  recipientsOf(conversation: Conversation, peer?: Contact): Contact[] {
    if (conversation.kind === 'direct') {
      if (!peer || peer.isMe) throw new CircleError(ErrorCode.BadRequest, 'send', 'a direct message needs another member');
      return [peer];
    }
    return conversation.members.map((id) => this.directory.get(id)).filter((c): c is Contact => Boolean(c) && !c!.isMe);
  }

  /**
   * Seals `body` separately to each recipient (sealed sender) and posts a copy to my own
   * mailbox that records where the others went. Resolves when the relay stored them.
   */
  async send(
    conversation: Conversation,
    body: MessageBody,
    recipients: Contact[],
    opts: { messageId?: string } = {},
  ): Promise<SentMessage> {
    const messageId = opts.messageId ?? toHex(nativeSuite.randomBytes(16));
    const sentAt = Date.now();
    const counter = this.counter.next(sentAt);
    const copies: SentMessage['copies'] = [];
    const failed: SentMessage['failed'] = [];
    const copySecrets: { to: string; blobId: string; deleteSecret: string; expiresAt: number }[] = [];
    await Promise.all(
      recipients.map(async (to) => {
        const secret = newSecret();
        const blobId = randomUuid();
        try {
          const expiresAt = await this.putEnvelope(
            to,
            { v: 1, conversation, body, deleteSecret: toHex(secret) },
            messageId,
            counter,
            sentAt,
            blobId,
            deleteProofHash(secret),
          );
          copies.push({ to: to.id, blobId, expiresAt });
          copySecrets.push({ to: to.id, blobId, deleteSecret: toHex(secret), expiresAt });
        } catch (err) {
          failed.push({
            to: to.id,
            error: err instanceof CircleError ? err.toInfo() : { code: ErrorCode.Internal, message: 'send failed' },
          });
        }
      }),
    );
    const selfSecret = newSecret();
    const selfBlob = randomUuid();
    this.seenBlobs.add(selfBlob);
    this.guard.check(this.me.id, replayKey(this.me, messageId, counter), counter);
    const record: SentCopy = { copies: copySecrets };
    await this.putEnvelope(
      this.me,
      { v: 1, conversation, body, deleteSecret: toHex(selfSecret), sent: record },
      messageId,
      counter,
      sentAt,
      selfBlob,
      deleteProofHash(selfSecret),
    );
    return { messageId, sentAt, copies, failed, record, ownBlobIds: [selfBlob], files: body.type === 'file' ? [body.file] : [] };
  }

  private async putEnvelope(
    to: Contact,
    content: MessageContent,
    messageId: string,
    counter: bigint,
    sentAt: number,
    blobId: string,
    deleteProofHash: string,
  ): Promise<number> {
    const bytes = await sealEnvelope({
      sender: { ed25519Seed: this.identity.ed25519Seed, ed25519PublicKey: this.me.ed25519PublicKey },
      recipient: to,
      messageId: fromHex(messageId),
      counter,
      sentAt: BigInt(sentAt),
      content: encodeContent(content),
    });
    const expiresAt = await this.outbox.put({ id: blobId, to: to.mailbox, bytes, deleteProofHash });
    // Conflict (stored by an attempt whose ack was lost): the relay's exact expiry is unknown,
    // so record the earliest it can be.
    return Number.isFinite(expiresAt) ? expiresAt : expiryWindow(sentAt).earliest;
  }

  /** Sends a file: chunks sealed under a fresh file key, then a manifest message per recipient. */
  async sendFile(
    conversation: Conversation,
    file: { name: string; mime: string; bytes: Uint8Array },
    recipients: Contact[],
    opts: { caption?: string; messageId?: string; onProgress?: (p: ProgressEvent) => void; cancel?: { cancelled: boolean } } = {},
  ): Promise<SentMessage> {
    if (file.bytes.length > MAX_FILE_BYTES)
      throw new CircleError(ErrorCode.PayloadTooLarge, 'send-file', `files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
    const total = countFileChunks(file.bytes.length) * recipients.length;
    let done = 0;
    const messageId = opts.messageId ?? toHex(nativeSuite.randomBytes(16));
    const manifests = new Map<string, FileManifest>();
    // Each recipient gets the file under its own key, so no two mailboxes hold the same bytes,
    // and each chunk gets its own deletion proof hash (derived per chunk), so chunks cannot be grouped by it.
    for (const to of recipients) {
      const fileKey = nativeSuite.randomBytes(32);
      const fileId = nativeSuite.randomBytes(16);
      const { frames, digest } = await sealFile(file.bytes, fileKey, fileId);
      const tagKey = await this.chunkTagKey(to);
      const ids = frames.map(() => chunkBlobId(tagKey));
      await Promise.all(
        frames.map(async (bytes, i) => {
          const proof = deleteProofHash(chunkDeleteSecret(fileKey, fileId, i));
          await this.outbox.put({ id: ids[i]!, to: to.mailbox, bytes, deleteProofHash: proof }, opts.cancel);
          opts.onProgress?.({ done: ++done, total });
        }),
      );
      manifests.set(to.id, {
        id: toHex(fileId),
        name: file.name,
        mime: file.mime,
        size: file.bytes.length,
        key: toHex(fileKey),
        digest: toHex(digest),
        chunks: ids,
      });
    }
    // One manifest per recipient (their own chunk ids), all under one message id.
    const results = await Promise.all(
      recipients.map((to) =>
        this.send(conversation, { type: 'file', file: manifests.get(to.id)!, caption: opts.caption }, [to], { messageId }),
      ),
    );
    return {
      messageId,
      sentAt: results[0]?.sentAt ?? Date.now(),
      copies: results.flatMap((r) => r.copies),
      failed: results.flatMap((r) => r.failed),
      record: { copies: results.flatMap((r) => r.record.copies) },
      ownBlobIds: results.flatMap((r) => r.ownBlobIds),
      files: results.flatMap((r) => r.files),
    };
  }

  /** Downloads, checks and reassembles a received file. */
  async downloadFile(manifest: FileManifest, onProgress?: (p: ProgressEvent) => void): Promise<Uint8Array> {
    const cipher = await FileCipher.create(fromHex(manifest.key), fromHex(manifest.id));
    const chunks: Uint8Array[] = new Array<Uint8Array>(manifest.chunks.length);
    const digests: Uint8Array[] = new Array<Uint8Array>(manifest.chunks.length);
    let done = 0;
    await this.liveChunks.settled(); // chunks pushed before the manifest are kept by now
    for (const [batchIndex, ids] of chunkBytesIds(manifest.chunks, MAX_FETCH_IDS).entries()) {
      const byId = new Map<string, Uint8Array>();
      for (const id of ids) {
        const kept = this.liveChunks.take(id);
        if (kept) byId.set(id, kept);
      }
      const missing = ids.filter((id) => !byId.has(id));
      if (missing.length > 0)
        for (const b of (await this.connection.request('blob:fetch', { ids: missing })).blobs) byId.set(b.id, b.bytes);
      await Promise.all(
        ids.map(async (id, j) => {
          const index = batchIndex * MAX_FETCH_IDS + j;
          const frame = byId.get(id);
          if (!frame)
            throw new CircleError(ErrorCode.NotFound, 'download', 'part of this file is no longer on the relay (expired or deleted)');
          [chunks[index], digests[index]] = await Promise.all([cipher.openChunk(frame, index), cipher.frameDigest(frame)]);
        }),
      );
      done += ids.length;
      onProgress?.({ done, total: manifest.chunks.length });
    }
    if (!equalBytes(await cipher.fileDigest(digests), fromHex(manifest.digest))) {
      throw new CircleError(ErrorCode.IntegrityFailure, 'download', 'the file does not match what the sender signed');
    }
    const out = new Uint8Array(manifest.size);
    let offset = 0;
    for (const c of chunks) {
      if (offset + c.length > out.length)
        throw new CircleError(ErrorCode.IntegrityFailure, 'download', 'the file is longer than its manifest says');
      out.set(c, offset);
      offset += c.length;
    }
    if (offset !== manifest.size)
      throw new CircleError(ErrorCode.IntegrityFailure, 'download', 'the file is shorter than its manifest says');
    return out;
  }

  /**
   * Unsend: deletes every copy of a message I sent (each recipient's, with its deletion secret;
   * a file's chunks, with secrets derived from its manifest; my own), then tells the recipients.
   * A copy already gone (fetched and deleted, or expired) is skipped.
   */
  async unsend(conversation: Conversation, messageId: string, plan: UnsendPlan, recipients: Contact[]): Promise<void> {
    const deletions: { id: string; proof?: string }[] = [
      ...(plan.sent?.copies ?? []).map((c) => ({ id: c.blobId, proof: c.deleteSecret })),
      ...plan.files.flatMap((f) => f.chunks.map((id, i) => ({ id, proof: toHex(chunkDeleteSecret(fromHex(f.key), fromHex(f.id), i)) }))),
      ...plan.ownBlobIds.map((id) => ({ id })),
    ];
    await mapConcurrently(deletions, DELETES_IN_FLIGHT, (d) => this.connection.request('blob:delete', d).catch(() => undefined));
    await this.send(conversation, { type: 'unsend', target: messageId }, recipients);
  }

  /** Deletes a blob from my own mailbox (e.g. after reading, or a received file I discard). */
  deleteOwn(blobId: string): Promise<unknown> {
    return this.connection.request('blob:delete', { id: blobId });
  }

  /**
   * Sends delivered/read receipts for received messages, one receipt per sender and
   * conversation (receipts are ordinary sealed messages, stored like any other).
   */
  async sendReceipts(messages: ReceivedMessage[], state: 'delivered' | 'read'): Promise<void> {
    const groups = new Map<string, { to: Contact; conversation: Conversation; ids: string[] }>();
    for (const m of messages) {
      if (m.fromMe || !RECEIPTED.has(m.content.body.type)) continue;
      const key = `${m.from.id}:${JSON.stringify(m.content.conversation)}`;
      const g = groups.get(key) ?? { to: m.from, conversation: m.content.conversation, ids: [] };
      g.ids.push(m.messageId);
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      for (let i = 0; i < g.ids.length; i += 500) {
        await this.send(g.conversation, { type: 'receipt', targets: g.ids.slice(i, i + 500), state }, [g.to]);
      }
    }
  }

  /** Sends a live-only sealed signal (typing, call signalling) to one member. Never stored. */
  async signal(to: Contact, signal: SignalContent['signal']): Promise<number> {
    const bytes = await sealEnvelope({
      sender: { ed25519Seed: this.identity.ed25519Seed, ed25519PublicKey: this.me.ed25519PublicKey },
      recipient: to,
      messageId: nativeSuite.randomBytes(16),
      counter: this.counter.next(),
      sentAt: BigInt(Date.now()),
      content: encodeContent({ v: 1, signal }),
      frameBytes: SIGNAL_BYTES,
    });
    const { delivered } = await this.connection.request('signal:send', { to: to.mailbox, bytes });
    return delivered;
  }

  private async acceptSignal(bytes: Uint8Array): Promise<void> {
    try {
      const opened = await openEnvelope(
        bytes,
        { x25519SecretKey: this.identity.x25519SecretKey, ...this.me },
        { frameBytes: SIGNAL_BYTES },
      );
      const from = this.directory.get(toHex(opened.senderPublicKey));
      if (!from) return;
      const { signal } = decodeSignalContent(opened.content);
      if (this.guard.check(from.id, toHex(opened.messageId), opened.counter) === 'duplicate') return;
      this.emit('signal', { from, signal });
    } catch {
      // unopenable live frames are dropped
    }
  }

  private wire(): void {
    const c = this.connection;
    c.on('state', (s) => {
      if (s.state === 'online') {
        void this.refreshPresence();
        this.syncWhileOnline();
      }
      if (s.state !== 'online') this.online.clear();
      this.emit('state', s);
    });
    c.on('blob:new', (b) => this.liveChunks.track(this.acceptLive(b)));
    c.on('signal:recv', (s) => void this.acceptSignal(s.bytes));
    c.on('presence:update', ({ mailbox, online }) => {
      const member = this.directory.byMailboxAddress(mailbox);
      if (!member || member.isMe) return;
      for (const newer of this.presenceWhileListing) newer.set(mailbox, online);
      this.setOnline(member, online);
    });
    c.on('call:member', ({ roomId, mailbox, joined }) => {
      const member = this.directory.byMailboxAddress(mailbox);
      if (member) this.emit('call-member', { roomId, member, joined });
    });
  }

  /**
   * Takes the relay's presence list after coming online. Updates that arrive while the list is
   * on its way are newer than it and win: a member who connected meanwhile is not marked
   * offline by a list made before they came. If the list fails, the updates keep presence.
   */
  private async refreshPresence(): Promise<void> {
    const newer = new Map<string, boolean>();
    this.presenceWhileListing.add(newer);
    let listed: string[];
    try {
      listed = (await this.connection.request('presence:list', {})).online;
    } catch {
      return;
    } finally {
      this.presenceWhileListing.delete(newer);
    }
    const online = new Set(listed);
    for (const [mailbox, isOnline] of newer) {
      if (isOnline) online.add(mailbox);
      else online.delete(mailbox);
    }
    for (const member of this.directory.others) this.setOnline(member, online.has(member.mailbox));
  }

  /** Records a member's presence; tells listeners when it changed. */
  private setOnline(member: Contact, online: boolean): void {
    if (this.online.has(member.mailbox) === online) return;
    if (online) this.online.add(member.mailbox);
    else this.online.delete(member.mailbox);
    this.emit('presence', { member, online });
  }
}

function chunkBytesIds<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
