/**
 * CircleClient: the client core. Holds the member's keys (nothing else does) and composes the
 * parts that use them: receiving (message-receiver, mailbox-sync), sending (message-sender,
 * outbox), files (file-transfer), unsend, receipts, live signals and presence. Runs unchanged
 * in a browser Worker and in Node.
 */
import {
  CircleError,
  ErrorCode,
  ReplayGuard,
  SendCounter,
  decodeIdentityFile,
  type Conversation,
  type ErrorInfo,
  type FileManifest,
  type Identity,
  type MessageBody,
  type SignalContent,
} from '@circle/protocol';
import { ChunkTagKeys } from './chunk-tag-keys.js';
import { Directory, type Contact } from './directory.js';
import { Emitter } from './emitter.js';
import { FileTransfer, type ProgressEvent, type SendFileOptions } from './file-transfer.js';
import { LiveChunks } from './live-chunks.js';
import { LiveSignals, type ReceivedSignal } from './live-signals.js';
import { MailboxSync } from './mailbox-sync.js';
import { MessageReceiver, type ReceivedMessage } from './message-receiver.js';
import { MessageSender, type SentMessage } from './message-sender.js';
import { Outbox } from './outbox.js';
import { PresenceTracker } from './presence-tracker.js';
import { sendReceipts } from './receipts.js';
import { RelayConnection, type ConnectionState } from './relay-connection.js';
import { unsendMessage, type UnsendPlan } from './unsend.js';

export type { ReceivedMessage } from './message-receiver.js';
export type { ReceivedSignal } from './live-signals.js';
export type { SentMessage } from './message-sender.js';
export type { ProgressEvent } from './file-transfer.js';
export type { UnsendPlan } from './unsend.js';

type ClientEvents = {
  message: ReceivedMessage;
  signal: ReceivedSignal;
  presence: { member: Contact; online: boolean };
  state: { state: ConnectionState; error?: ErrorInfo };
  synced: { count: number };
  'call-member': { roomId: string; member: Contact; joined: boolean };
};

export interface OpenClientOptions {
  passphrase?: string;
  /** Another node of the same relay (scale-out tests, the headless CLI's --relay). The desktop app never passes it. */
  relayUrl?: string;
}

export class CircleClient extends Emitter<ClientEvents> {
  readonly directory: Directory;
  readonly connection: RelayConnection;
  private readonly receiver: MessageReceiver;
  private readonly mailbox: MailboxSync;
  private readonly sender: MessageSender;
  private readonly files: FileTransfer;
  private readonly signals: LiveSignals;
  private readonly presence: PresenceTracker;
  private readonly liveChunks = new LiveChunks();

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
    const outbox = new Outbox(this.connection);
    // Messages and signals share one replay guard and one send counter, as they share one key.
    const guard = new ReplayGuard();
    const counter = new SendCounter();
    const chunkTagKeys = new ChunkTagKeys(identity, this.directory);
    this.receiver = new MessageReceiver(identity, this.directory, guard, chunkTagKeys, this.liveChunks, (m) => this.emit('message', m));
    this.mailbox = new MailboxSync(this.connection, this.receiver, chunkTagKeys, (count) => this.emit('synced', { count }));
    this.sender = new MessageSender(identity, this.directory.me, counter, outbox, this.receiver);
    this.files = new FileTransfer(this.connection, outbox, this.sender, chunkTagKeys, this.liveChunks);
    this.signals = new LiveSignals(identity, this.directory, this.connection, counter, guard, (s) => this.emit('signal', s));
    this.presence = new PresenceTracker(this.connection, this.directory, (p) => this.emit('presence', p));
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
    return member.isMe ? this.state === 'online' : this.presence.isOnline(member);
  }

  connect(): void {
    this.connection.connect();
  }
  close(): void {
    this.mailbox.stop();
    this.connection.close();
  }

  /** Resolves when connected, or rejects with the reason the relay refused us. */
  waitOnline(timeoutMs = 15_000): Promise<void> {
    return this.connection.waitOnline(timeoutMs);
  }

  /** Lists and opens everything in the mailbox; returns new messages seen (see MailboxSync.sync). */
  sync(): Promise<number> {
    return this.mailbox.sync();
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
  send(conversation: Conversation, body: MessageBody, recipients: Contact[], opts: { messageId?: string } = {}): Promise<SentMessage> {
    return this.sender.send(conversation, body, recipients, opts);
  }

  /** Sends a file: chunks sealed under a fresh file key, then a manifest message per recipient. */
  sendFile(
    conversation: Conversation,
    file: { name: string; mime: string; bytes: Uint8Array },
    recipients: Contact[],
    opts: SendFileOptions = {},
  ): Promise<SentMessage> {
    return this.files.sendFile(conversation, file, recipients, opts);
  }

  /** Downloads, checks and reassembles a received file. */
  downloadFile(manifest: FileManifest, onProgress?: (p: ProgressEvent) => void): Promise<Uint8Array> {
    return this.files.downloadFile(manifest, onProgress);
  }

  /** Deletes every copy of a message I sent, then tells the recipients (see unsendMessage). */
  unsend(conversation: Conversation, messageId: string, plan: UnsendPlan, recipients: Contact[]): Promise<SentMessage> {
    return unsendMessage(this.connection, this.sender, conversation, messageId, plan, recipients);
  }

  /** Deletes a blob from my own mailbox (e.g. after reading, or a received file I discard). */
  deleteOwn(blobId: string): Promise<unknown> {
    return this.connection.request('blob:delete', { id: blobId });
  }

  /** Sends delivered/read receipts for received messages, one receipt per sender and conversation. */
  sendReceipts(messages: ReceivedMessage[], state: 'delivered' | 'read'): Promise<void> {
    return sendReceipts(this.sender, messages, state);
  }

  /** Sends a live-only sealed signal (typing, call signalling) to one member. Never stored. */
  signal(to: Contact, signal: SignalContent['signal']): Promise<void> {
    return this.signals.send(to, signal);
  }

  private wire(): void {
    const c = this.connection;
    c.on('state', (s) => {
      if (s.state === 'online') {
        void this.presence.refresh();
        this.mailbox.syncWhileOnline();
      }
      if (s.state !== 'online') this.presence.clear();
      this.emit('state', s);
    });
    c.on('blob:new', (b) => this.liveChunks.track(this.receiver.acceptLive(b)));
    c.on('signal:recv', (s) => void this.signals.accept(s.bytes));
    c.on('presence:update', ({ mailbox, online }) => this.presence.update(mailbox, online));
    c.on('call:member', ({ roomId, mailbox, joined }) => {
      const member = this.directory.byMailboxAddress(mailbox);
      if (member) this.emit('call-member', { roomId, member, joined });
    });
  }
}
