/**
 * Seals a message separately to each recipient (sealed sender), puts the copies through the
 * outbox, and posts a copy to my own mailbox that records where the others went.
 */
import {
  CircleError,
  ErrorCode,
  SendCounter,
  deleteProofHash,
  encodeContent,
  expiryWindow,
  fromHex,
  nativeSuite,
  sealEnvelope,
  toHex,
  type Conversation,
  type ErrorInfo,
  type FileManifest,
  type Identity,
  type MessageBody,
  type MessageContent,
  type SentCopy,
} from '@circle/protocol';
import type { Contact } from './directory.js';
import type { MessageReceiver } from './message-receiver.js';
import type { Outbox } from './outbox.js';

export interface SentMessage {
  messageId: string;
  sentAt: number;
  /** The envelope counter the copies carry: orders this sender's edits and reactions (timeline). */
  counter: bigint;
  copies: { to: string; blobId: string; expiresAt: number }[];
  /** Recipients whose copy could not be stored, with the reason. */
  failed: { to: string; error: ErrorInfo }[];
  /** What my own copies record (deletion secrets for unsend), and their blob ids (one per recipient for a file). */
  record: SentCopy;
  ownBlobIds: string[];
  /** The file manifests sent, one per recipient (their chunks are deleted on unsend). */
  files: FileManifest[];
}

const randomUuid = (): string => globalThis.crypto.randomUUID();
const newSecret = () => nativeSuite.randomBytes(32);

export class MessageSender {
  constructor(
    private readonly identity: Identity,
    private readonly me: Contact,
    private readonly counter: SendCounter,
    private readonly outbox: Outbox,
    private readonly receiver: MessageReceiver,
  ) {}

  /** Seals `body` to each recipient and to me; resolves when the relay stored them. */
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
    this.receiver.markOwnCopy(selfBlob, messageId, counter);
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
    return { messageId, sentAt, counter, copies, failed, record, ownBlobIds: [selfBlob], files: body.type === 'file' ? [body.file] : [] };
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
}
