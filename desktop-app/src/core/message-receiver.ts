/**
 * Opens stored blobs addressed to me into messages: sealed-sender envelope, pinned roster,
 * content schema, group membership, replay guard. Each blob is opened once.
 */
import {
  ReplayGuard,
  decodeMessageContent,
  isPastRetention,
  isChunkBlobId,
  openEnvelope,
  toHex,
  type Identity,
  type MessageContent,
} from '@circle/protocol';
import type { ChunkTagKeys } from './chunk-tag-keys.js';
import type { Contact, Directory } from './directory.js';
import type { LiveChunks } from './live-chunks.js';

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
  /** When it was pushed to this app live (unset when read from the mailbox): the receiver-observed time. */
  receivedAt?: number;
}

export interface StoredBlob {
  id: string;
  expiresAt: number;
  bytes: Uint8Array;
}

/**
 * What the replay guard remembers per message. My own copies of one message are several blobs
 * (a file sent to a group leaves one per recipient), each sealed with its own counter, so for
 * them the counter is part of the key; a replayed blob repeats its counter and is still caught.
 */
const replayKey = (from: Contact, messageId: string, counter: bigint): string => (from.isMe ? `${messageId}:${counter}` : messageId);

export class MessageReceiver {
  private readonly seenBlobs = new Set<string>();

  constructor(
    private readonly identity: Identity,
    private readonly directory: Directory,
    private readonly guard: ReplayGuard,
    private readonly chunkTagKeys: ChunkTagKeys,
    private readonly liveChunks: LiveChunks,
    private readonly onMessage: (message: ReceivedMessage) => void,
  ) {}

  /** True when the blob was opened (or marked as mine) before. */
  hasSeen(blobId: string): boolean {
    return this.seenBlobs.has(blobId);
  }

  /** Marks my own copy of a message I am sending, so that syncing it back does not show it twice. */
  markOwnCopy(blobId: string, messageId: string, counter: bigint): void {
    this.seenBlobs.add(blobId);
    this.guard.check(this.directory.me.id, replayKey(this.directory.me, messageId, counter), counter);
  }

  /** A live push: a message is opened; a file chunk (tagged for us) is kept for when its file is opened. */
  async acceptLive(blob: StoredBlob): Promise<void> {
    if (await this.accept(blob, Date.now())) return;
    // Only what did not open as a message pays for the tag check (one HMAC per member).
    if (isChunkBlobId(blob.id, await this.chunkTagKeys.all())) this.liveChunks.keep(blob.id, blob.bytes);
  }

  /** Opens one stored blob; false when it is not a message for us (a file chunk, a duplicate, garbage). */
  async accept(blob: StoredBlob, receivedAt?: number): Promise<boolean> {
    if (this.seenBlobs.has(blob.id)) return false;
    this.seenBlobs.add(blob.id);
    const me = this.directory.me;
    let opened;
    try {
      opened = await openEnvelope(blob.bytes, { x25519SecretKey: this.identity.x25519SecretKey, ...me });
    } catch {
      return false; // file chunks look like envelopes; anything unopenable is skipped, never fatal
    }
    const from = this.directory.get(toHex(opened.senderPublicKey));
    if (!from) return false; // not on our pinned roster
    if (isPastRetention(Number(opened.sentAt), Date.now())) return false; // no relay may still hold it: a replay
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
    this.onMessage({
      blobId: blob.id,
      expiresAt: blob.expiresAt,
      messageId,
      from,
      fromMe: from.isMe,
      sentAt: Number(opened.sentAt),
      counter: opened.counter,
      content,
      order: verdict,
      receivedAt,
    });
    return true;
  }
}
