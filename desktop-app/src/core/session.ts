/**
 * Session: what the app's UI talks to (through the worker). Owns the CircleClient and the
 * Timeline, turns UI intents into sealed messages, sends receipts, and publishes plain view
 * data. Keys, deletion secrets and file keys stay here.
 */
import {
  CircleError,
  ErrorCode,
  MAX_TEXT_CHARS,
  MAX_FILE_BYTES,
  decodeIdentityFile,
  nativeSuite,
  peekIdentityFile,
  safetyNumber,
  toHex,
  type Conversation,
  type MessageBody,
} from '@circle/protocol';
import type {
  CircleInfo,
  ConversationView,
  MemberView,
  MessageView,
  WorkerEventName,
  WorkerEvents,
  WorkerRequests,
} from '../shared/worker-api.js';
import type { Contact } from './directory.js';
import { CircleClient, type ReceivedMessage, type SentMessage } from './circle-client.js';
import { Timeline, messageKey, type TimelineConversation, type TimelineMessage } from './timeline.js';

type Publish = <E extends WorkerEventName>(event: E, data: WorkerEvents[E]) => void;
type Handlers = { [M in keyof WorkerRequests]: (args: WorkerRequests[M]['args']) => Promise<WorkerRequests[M]['result']> };

const RECEIPT_DELAY_MS = 400;
const TYPING_THROTTLE_MS = 3000;
const SNAPSHOT_DELAY_MS = 30;

export class Session {
  private client: CircleClient | undefined;
  private timeline: Timeline | undefined;
  private readonly pendingDelivered: ReceivedMessage[] = [];
  private readonly readSent = new Set<string>();
  private readonly failedSends = new Map<string, () => Promise<void>>();
  private readonly cancels = new Map<string, { cancelled: boolean }>();
  private readonly lastTyping = new Map<string, number>();
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  private receiptTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * What the core spent on what other members sent: messages applied to the timeline, the time
   * that took, and the timeline's effect applications. Read by the hostile-content tests.
   */
  readonly stats = { applied: 0, applyMs: 0, effectApplications: 0 };

  constructor(private readonly publish: Publish) {}

  readonly handlers: Handlers = {
    peek: async ({ file }) => peekIdentityFile(file),
    open: async ({ file, passphrase }) => this.open(file, passphrase),
    openDirect: async ({ memberId }) => ({ key: this.tl.ensureDirect(this.member(memberId)).key }),
    createGroup: async ({ name, memberIds }) => {
      const trimmed = name.trim();
      if (!trimmed || trimmed.length > 64) throw new CircleError(ErrorCode.BadRequest, 'group', 'a group name is 1-64 characters');
      const members = [...new Set([this.c.me.id, ...memberIds.map((id) => this.member(id).id)])];
      if (members.length < 2) throw new CircleError(ErrorCode.BadRequest, 'group', 'pick at least one other member');
      const conversation: Conversation = { kind: 'group', id: toHex(nativeSuite.randomBytes(16)), name: trimmed, members };
      const c = this.tl.ensure(conversation)!;
      c.lastActivity = Date.now();
      // The group exists for the others once this explicit update reaches them (rings and typing never make one).
      const body: MessageBody = { type: 'group-update', version: 1 };
      const sent = await this.c.send(conversation, body, this.recipients(c));
      this.applyOwnIn(conversation, body, sent);
      return { key: c.key };
    },
    sendText: async ({ key, text, replyTo }) => {
      const body = text.trim();
      if (!body) throw new CircleError(ErrorCode.BadRequest, 'send', 'the message is empty');
      if (text.length > MAX_TEXT_CHARS)
        throw new CircleError(ErrorCode.PayloadTooLarge, 'send', `messages are limited to ${MAX_TEXT_CHARS} characters`);
      // The UI names messages by key (sender and id); the wire carries the id of the message replied to.
      const replyId = replyTo === undefined ? undefined : this.message(replyTo).id;
      return { messageId: this.sendNew(key, { type: 'text', text, replyTo: replyId }, { text, replyTo: replyId }) };
    },
    sendFile: async ({ key, name, mime, bytes, caption }) => {
      if (bytes.length > MAX_FILE_BYTES)
        throw new CircleError(ErrorCode.PayloadTooLarge, 'send-file', `files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
      return { messageId: this.sendFileNew(key, { name, mime, bytes, caption }) };
    },
    cancelSend: async ({ messageId }) => {
      const c = this.cancels.get(messageId);
      if (c) c.cancelled = true;
      return null;
    },
    retry: async ({ messageId }) => {
      const again = this.failedSends.get(messageId);
      if (!again) throw new CircleError(ErrorCode.NotFound, 'retry', 'nothing to retry for this message');
      this.failedSends.delete(messageId);
      void again();
      return null;
    },
    download: async ({ messageId }) => {
      const m = this.message(messageId);
      if (!m.file) throw new CircleError(ErrorCode.BadRequest, 'download', 'this message has no file');
      if (m.fromMe && m.file.chunks.length === 0)
        throw new CircleError(ErrorCode.NotFound, 'download', 'this file was sent from this device; it is not kept');
      const bytes = await this.c.downloadFile(m.file, (p) => this.publish('progress', { messageId, ...p, direction: 'down' }));
      return { name: m.file.name, mime: m.file.mime, bytes };
    },
    edit: async ({ messageId, text }) => {
      const m = this.message(messageId);
      if (!m.fromMe || m.unsent || m.text === undefined)
        throw new CircleError(ErrorCode.Forbidden, 'edit', 'you can edit only your own text messages');
      if (!text.trim()) throw new CircleError(ErrorCode.BadRequest, 'edit', 'the message is empty');
      await this.sendEffect(m, { type: 'edit', target: m.id, text });
      return null;
    },
    unsend: async ({ messageId }) => {
      const m = this.message(messageId);
      if (!m.fromMe) throw new CircleError(ErrorCode.Forbidden, 'unsend', 'you can unsend only your own messages');
      const conv = this.conversationOf(m);
      const sent = await this.c.unsend(
        conv.conversation,
        m.id,
        { sent: m.sentCopy, ownBlobIds: m.ownBlobIds, files: m.sentFiles },
        this.recipients(conv),
      );
      this.applyOwn(conv, { type: 'unsend', target: m.id }, sent);
      return null;
    },
    react: async ({ messageId, emoji }) => {
      const m = this.message(messageId);
      const mine = m.reactions.get(emoji)?.has(this.c.me.id) ?? false;
      await this.sendEffect(m, { type: 'reaction', target: m.id, emoji, remove: mine });
      return null;
    },
    markRead: async ({ key }) => {
      const ids = this.tl.markRead(key).filter((id) => !this.readSent.has(id));
      this.scheduleSnapshot();
      if (ids.length === 0) return null;
      ids.forEach((id) => this.readSent.add(id));
      const conv = this.tl.conversations.get(key)!;
      const bySender = new Map<string, string[]>();
      for (const id of ids) {
        const m = this.tl.get(id)!;
        bySender.set(m.from.id, [...(bySender.get(m.from.id) ?? []), m.id]);
      }
      for (const [senderId, targets] of bySender) {
        void this.c.send(conv.conversation, { type: 'receipt', targets, state: 'read' }, [this.member(senderId)]).catch(() => undefined);
      }
      return null;
    },
    typing: async ({ key }) => {
      const now = Date.now();
      if (now - (this.lastTyping.get(key) ?? 0) < TYPING_THROTTLE_MS) return null;
      this.lastTyping.set(key, now);
      const conv = this.conv(key);
      for (const to of this.recipients(conv))
        void this.c.signal(to, { kind: 'typing', conversation: conv.conversation }).catch(() => undefined);
      return null;
    },
    callSignal: async ({ to, signal }) => {
      await this.c.signal(this.member(to), { kind: 'call', call: signal });
      return {};
    },
    callCreate: async ({ invited }) => this.c.connection.request('call:create', { invited: invited.map((id) => this.member(id).mailbox) }),
    callJoin: async ({ roomId }) => {
      const { members } = await this.c.connection.request('call:join', { roomId });
      return { members: members.map((m) => this.c.directory.byMailboxAddress(m)?.id).filter((x): x is string => Boolean(x)) };
    },
    callLeave: async ({ roomId }) => {
      await this.c.connection.request('call:leave', { roomId });
      return null;
    },
    callLog: async ({ key, event, media, durationMs }) => {
      const conv = this.conv(key);
      const messageId = toHex(nativeSuite.randomBytes(16));
      const body: MessageBody = { type: 'call', event, media, durationMs };
      const sent = await this.c.send(conv.conversation, body, this.recipients(conv), { messageId });
      const m = this.tl.addOutgoing(conv, messageId, {}, this.recipients(conv));
      m.call = { event, media, durationMs };
      this.tl.markSent(m.key, sent);
      this.scheduleSnapshot();
      return null;
    },
    updateGroup: async ({ key, name, memberIds }) => {
      const conv = this.conv(key);
      if (conv.conversation.kind !== 'group') throw new CircleError(ErrorCode.BadRequest, 'group', 'only a group has members to change');
      const trimmed = name.trim();
      if (!trimmed || trimmed.length > 64) throw new CircleError(ErrorCode.BadRequest, 'group', 'a group name is 1-64 characters');
      const members = [...new Set(memberIds.map((id) => this.member(id).id))];
      if (members.length < 2) throw new CircleError(ErrorCode.BadRequest, 'group', 'a group needs at least two members');
      const before = conv.conversation;
      const next: Conversation = { kind: 'group', id: before.id, name: trimmed, members };
      // Everyone before and after learns of the change, so a removed member's app shows it too.
      const to = [...new Set([...before.members, ...members])]
        .map((id) => this.c.directory.get(id))
        .filter((c): c is Contact => c !== undefined && !c.isMe);
      const body: MessageBody = { type: 'group-update', version: (conv.group?.version ?? 0) + 1 };
      const sent = await this.c.send(next, body, to);
      this.applyOwnIn(next, body, sent);
      return null;
    },
    turnCredentials: async () => this.c.connection.request('turn:credentials', {}),
  };

  private get c(): CircleClient {
    if (!this.client) throw new CircleError(ErrorCode.NotAuthenticated, 'session', 'open an identity file first');
    return this.client;
  }
  private get tl(): Timeline {
    if (!this.timeline) throw new CircleError(ErrorCode.NotAuthenticated, 'session', 'open an identity file first');
    return this.timeline;
  }

  private async open(file: Uint8Array, passphrase?: string): Promise<CircleInfo> {
    if (this.client) throw new CircleError(ErrorCode.Conflict, 'open', 'an identity is already open in this window');
    await decodeIdentityFile(file, { passphrase }); // typed errors for every bad-file case, before anything connects
    // Always the relay pinned in the identity file's signed roster: the app has no other.
    const client = await CircleClient.open(file, { passphrase });
    this.client = client;
    this.timeline = new Timeline(client.me, (id) => client.directory.get(id));
    client.on('state', (s) => {
      this.publish('state', s);
      this.publishMembers();
    });
    client.on('presence', () => this.publishMembers());
    client.on('message', (m) => this.onMessage(m));
    client.on('signal', ({ from, signal }) => {
      // Signals never make or change a conversation: typing and rings count only from a member
      // of a conversation this app shows (a direct ring may come before any message).
      if (signal.kind === 'typing') {
        const conv = this.tl.find(signal.conversation, from.id);
        if (conv && this.tl.isMember(conv, from.id)) this.publish('typing', { key: conv.key, memberId: from.id, name: from.name });
      } else {
        if (signal.call.type === 'ring' && signal.call.conversation.kind === 'group') {
          const conv = this.tl.find(signal.call.conversation, from.id);
          if (!conv || !this.tl.isMember(conv, from.id)) return;
        }
        this.publish('signal', { fromId: from.id, signal: signal.call });
      }
    });
    client.on('call-member', ({ roomId, member, joined }) => this.publish('callMember', { roomId, memberId: member.id, joined }));
    setInterval(() => this.tl.refreshExpiry() && this.scheduleSnapshot(), 60_000);
    client.connect();
    return {
      circleId: toHex(client.roster.circleId),
      relayUrl: client.connection.relayUrl,
      me: this.memberView(client.me),
      members: client.directory.contacts.map((m) => this.memberView(m)),
    };
  }

  private onMessage(m: ReceivedMessage): void {
    const started = performance.now();
    const conv = this.tl.apply(m);
    this.stats.applied++;
    this.stats.applyMs += performance.now() - started;
    this.stats.effectApplications = this.tl.effectApplications;
    const body = m.content.body;
    if (!m.fromMe && (body.type === 'text' || body.type === 'file')) {
      this.pendingDelivered.push(m);
      this.receiptTimer ??= setTimeout(() => this.flushReceipts(), RECEIPT_DELAY_MS);
      if (conv)
        this.publish('incoming', {
          key: conv.key,
          fromName: m.from.name,
          text: body.type === 'text' ? body.text : `sent a file: ${body.file.name}`,
        });
    }
    this.scheduleSnapshot();
  }

  private flushReceipts(): void {
    this.receiptTimer = undefined;
    const batch = this.pendingDelivered.splice(0);
    void this.c.sendReceipts(batch, 'delivered').catch(() => undefined);
  }

  private sendNew(key: string, body: MessageBody, view: { text?: string; replyTo?: string }): string {
    const conv = this.conv(key);
    const recipients = this.recipients(conv);
    const messageId = toHex(nativeSuite.randomBytes(16));
    const { key: mkey } = this.tl.addOutgoing(conv, messageId, view, recipients);
    const attempt = async () => {
      this.tl.markSending(mkey, recipients);
      this.scheduleSnapshot();
      try {
        const sent = await this.c.send(conv.conversation, body, recipients, { messageId });
        this.tl.markSent(mkey, sent);
        if (sent.failed.length) this.failedSends.set(mkey, attempt);
      } catch (err) {
        this.tl.markFailed(mkey, err instanceof CircleError ? err.message : 'could not send');
        this.failedSends.set(mkey, attempt);
      }
      this.scheduleSnapshot();
    };
    void attempt();
    return mkey;
  }

  private sendFileNew(key: string, file: { name: string; mime: string; bytes: Uint8Array; caption?: string }): string {
    const conv = this.conv(key);
    const recipients = this.recipients(conv);
    const messageId = toHex(nativeSuite.randomBytes(16));
    const mkey = messageKey(this.c.me.id, messageId);
    const cancel = { cancelled: false };
    this.cancels.set(mkey, cancel);
    const placeholder = {
      id: '0'.repeat(32),
      name: file.name,
      mime: file.mime,
      size: file.bytes.length,
      key: '0'.repeat(64),
      digest: '0'.repeat(64),
      chunks: [] as string[],
    };
    this.tl.addOutgoing(conv, messageId, { file: placeholder, caption: file.caption }, recipients);
    this.scheduleSnapshot();
    const attempt = async () => {
      try {
        const sent = await this.c.sendFile(conv.conversation, file, recipients, {
          caption: file.caption,
          messageId,
          cancel,
          onProgress: (p) => this.publish('progress', { messageId: mkey, ...p, direction: 'up' }),
        });
        this.tl.markSent(mkey, sent);
      } catch (err) {
        this.tl.markFailed(mkey, cancel.cancelled ? 'cancelled' : err instanceof CircleError ? err.message : 'could not send');
        if (!cancel.cancelled) this.failedSends.set(mkey, attempt);
      } finally {
        this.cancels.delete(mkey);
      }
      this.scheduleSnapshot();
    };
    void attempt();
    return mkey;
  }

  /** Edits and reactions: sent to the conversation, applied locally at once. */
  private async sendEffect(target: TimelineMessage, body: MessageBody): Promise<void> {
    const conv = this.conversationOf(target);
    const sent = await this.c.send(conv.conversation, body, this.recipients(conv));
    this.applyOwn(conv, body, sent);
  }

  /** Applies an effect I just sent as its own copy would (same id and counter, so it orders like it). */
  private applyOwn(conv: TimelineConversation, body: MessageBody, sent: SentMessage): void {
    this.applyOwnIn(conv.conversation, body, sent);
  }

  private applyOwnIn(conversation: Conversation, body: MessageBody, sent: SentMessage): void {
    const me = this.c.me;
    this.tl.apply({
      blobId: '',
      expiresAt: 0,
      messageId: sent.messageId,
      from: me,
      fromMe: true,
      sentAt: sent.sentAt,
      counter: sent.counter,
      content: { v: 1, conversation, body },
      order: 'fresh',
    });
    this.scheduleSnapshot();
  }

  private conv(key: string): TimelineConversation {
    const c = this.tl.conversations.get(key);
    if (!c) throw new CircleError(ErrorCode.NotFound, 'conversation', 'no such conversation');
    return c;
  }
  private conversationOf(m: TimelineMessage): TimelineConversation {
    return this.conv(m.conversationKey);
  }
  private recipients(conv: TimelineConversation): Contact[] {
    return this.c.recipientsOf(conv.conversation, conv.peer);
  }
  private member(id: string): Contact {
    const c = this.c.directory.get(id);
    if (!c) throw new CircleError(ErrorCode.NotMember, 'member', 'no such member in this circle');
    return c;
  }
  private message(id: string): TimelineMessage {
    const m = this.tl.get(id);
    if (!m) throw new CircleError(ErrorCode.NotFound, 'message', 'no such message');
    return m;
  }

  private memberView(m: Contact): MemberView {
    const me = this.c.me;
    return {
      id: m.id,
      name: m.name,
      isMe: m.isMe,
      online: this.c.isOnline(m),
      safetyNumber: m.isMe ? '' : safetyNumber(me, m),
    };
  }

  private publishMembers(): void {
    this.publish(
      'members',
      this.c.directory.contacts.map((m) => this.memberView(m)),
    );
  }

  private scheduleSnapshot(): void {
    this.snapshotTimer ??= setTimeout(() => {
      this.snapshotTimer = undefined;
      this.publish('conversations', this.conversationViews());
    }, SNAPSHOT_DELAY_MS);
  }

  conversationViews(): ConversationView[] {
    return this.tl.sortedConversations().map((c) => ({
      key: c.key,
      kind: c.conversation.kind,
      title: c.title,
      memberIds: c.conversation.kind === 'group' ? c.conversation.members : [this.c.me.id, ...(c.peer ? [c.peer.id] : [])],
      peerId: c.peer?.id,
      // A group shows only messages from someone who was a member at some point (or from me).
      messages: c.messages.filter((m) => m.fromMe || !c.group || c.group.everMembers.has(m.from.id)).map((m) => this.messageView(m)),
      unread: c.unread,
      lastActivity: c.lastActivity,
    }));
  }

  private messageView(m: TimelineMessage): MessageView {
    const reply = m.replyTo ? this.tl.findInConversation(m.conversationKey, m.replyTo) : undefined;
    const me = this.c.me.id;
    return {
      id: m.key,
      fromId: m.from.id,
      fromName: m.from.name,
      fromMe: m.fromMe,
      sentAt: m.shownAt,
      clock: m.clock ? { mark: m.clock, claimed: m.sentAt } : undefined,
      text: m.text,
      file: m.file ? { id: m.file.id, name: m.file.name, mime: m.file.mime, size: m.file.size } : undefined,
      caption: m.caption,
      call: m.call,
      notice: m.notice,
      replyTo: m.replyTo
        ? {
            id: reply?.key ?? '',
            fromName: reply?.from.name ?? '',
            preview: reply
              ? (reply.unsent ? 'message unsent' : (reply.text ?? reply.file?.name ?? '')).slice(0, 120)
              : 'an earlier message',
          }
        : undefined,
      edited: m.edited,
      unsent: m.unsent,
      reactions: [...m.reactions].map(([emoji, who]) => ({
        emoji,
        count: who.size,
        mine: who.has(me),
        names: [...who].map((id) => this.c.directory.get(id)?.name ?? '?'),
      })),
      state: m.state,
      recipients: [...m.recipients].map(([id, state]) => ({ name: this.c.directory.get(id)?.name ?? '?', state })),
      expiresAt: m.expiresAt,
      error: m.error,
    };
  }
}
