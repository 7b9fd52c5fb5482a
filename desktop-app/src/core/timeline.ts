/**
 * Timeline: folds received and sent messages into conversations, in memory only. Applies
 * edits, unsends, reactions and receipts, and derives each message's delivery state:
 * sending -> sent -> delivered -> read, or failed, or expired (the relay dropped it unread).
 */
import type { Conversation, FileManifest, MessageContent } from '@circle/protocol';
import type { Contact } from './directory.js';
import type { ReceivedMessage } from './message-receiver.js';
import type { SentMessage } from './message-sender.js';

export type DeliveryState = 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'expired';

export interface TimelineMessage {
  id: string;
  conversationKey: string;
  from: Contact;
  fromMe: boolean;
  sentAt: number;
  text?: string;
  file?: FileManifest;
  caption?: string;
  call?: { event: string; media: string; durationMs?: number };
  replyTo?: string;
  edited: boolean;
  unsent: boolean;
  reactions: Map<string, Set<string>>;
  /** Per recipient (sent messages): the furthest state reached. */
  recipients: Map<string, DeliveryState>;
  state: DeliveryState;
  /** When the relay will drop the copies: shown to the member. */
  expiresAt?: number;
  /**
   * For sent messages, gathered from every own copy (a file sent to a group has one per
   * recipient): the copies' blob ids and delete secrets, my own copies' blob ids, and the
   * manifests sent, whose chunks unsend deletes.
   */
  sentCopy?: MessageContent['sent'];
  ownBlobIds: string[];
  sentFiles: FileManifest[];
  error?: string;
}

export interface TimelineConversation {
  key: string;
  conversation: Conversation;
  title: string;
  /** The other member, for direct conversations. */
  peer?: Contact;
  messages: TimelineMessage[];
  unread: number;
  lastActivity: number;
}

const RANK: Record<DeliveryState, number> = { failed: 0, sending: 1, sent: 2, expired: 2, delivered: 3, read: 4 };

export const conversationKeyOf = (conversation: Conversation, peerId: string): string =>
  conversation.kind === 'group' ? `group:${conversation.id}` : `direct:${peerId}`;

export class Timeline {
  readonly conversations = new Map<string, TimelineConversation>();
  private readonly messages = new Map<string, TimelineMessage>();
  /** Effects that arrived before their target (mailbox sync is unordered). */
  private readonly pending = new Map<string, ReceivedMessage[]>();

  constructor(
    private readonly me: Contact,
    private readonly resolve: (id: string) => Contact | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  ensureDirect(peer: Contact): TimelineConversation {
    return this.ensure({ kind: 'direct' }, peer);
  }

  ensure(conversation: Conversation, peer?: Contact): TimelineConversation {
    const key = conversationKeyOf(conversation, peer?.id ?? '');
    let c = this.conversations.get(key);
    if (!c) {
      const title = conversation.kind === 'group' ? conversation.name : (peer?.name ?? 'Unknown');
      c = { key, conversation, title, peer: conversation.kind === 'direct' ? peer : undefined, messages: [], unread: 0, lastActivity: 0 };
      this.conversations.set(key, c);
    } else if (conversation.kind === 'group') {
      c.conversation = conversation; // latest membership and name win
      c.title = conversation.name;
    }
    return c;
  }

  get(messageId: string): TimelineMessage | undefined {
    return this.messages.get(messageId);
  }

  /** Adds a message I am sending now, before the relay has it. */
  addOutgoing(
    conversation: TimelineConversation,
    id: string,
    body: { text?: string; file?: FileManifest; caption?: string; replyTo?: string },
    recipients: Contact[],
  ): TimelineMessage {
    const m: TimelineMessage = {
      id,
      conversationKey: conversation.key,
      from: this.me,
      fromMe: true,
      sentAt: this.now(),
      ...body,
      edited: false,
      unsent: false,
      reactions: new Map(),
      recipients: new Map(recipients.map((r) => [r.id, 'sending'])),
      state: 'sending',
      ownBlobIds: [],
      sentFiles: [],
    };
    this.insert(conversation, m);
    return m;
  }

  /** The relay stored (or refused) the copies of a message I sent; keeps what unsend needs. */
  markSent(id: string, sent: SentMessage): void {
    const m = this.messages.get(id);
    if (!m) return;
    const { copies, failed } = sent;
    m.sentCopy = sent.record;
    m.ownBlobIds = sent.ownBlobIds;
    m.sentFiles = sent.files;
    for (const c of copies) this.raise(m, c.to, 'sent');
    for (const f of failed) {
      m.recipients.set(f.to, 'failed');
      m.error = f.error.message;
    }
    const valid = copies.map((c) => c.expiresAt).filter((e) => Number.isFinite(e));
    if (valid.length) m.expiresAt = Math.min(...valid);
    this.derive(m);
  }

  markFailed(id: string, error: string): void {
    const m = this.messages.get(id);
    if (!m) return;
    for (const k of m.recipients.keys()) if (m.recipients.get(k) === 'sending') m.recipients.set(k, 'failed');
    m.error = error;
    this.derive(m);
  }

  /** Applies one opened message; returns the conversation it touched. */
  apply(r: ReceivedMessage): TimelineConversation | undefined {
    const { content } = r;
    const peer = r.fromMe ? this.peerOfSentCopy(r) : r.from;
    const conversation = this.ensure(content.conversation, peer);
    const body = content.body;
    switch (body.type) {
      case 'text':
      case 'file':
      case 'call': {
        if (this.messages.has(r.messageId)) {
          this.confirmOwn(r);
          return conversation;
        }
        const m: TimelineMessage = {
          id: r.messageId,
          conversationKey: conversation.key,
          from: r.from,
          fromMe: r.fromMe,
          sentAt: r.sentAt,
          text: body.type === 'text' ? body.text : undefined,
          file: body.type === 'file' ? body.file : undefined,
          caption: body.type === 'file' ? body.caption : undefined,
          call: body.type === 'call' ? { event: body.event, media: body.media, durationMs: body.durationMs } : undefined,
          replyTo: body.type === 'call' ? undefined : body.replyTo,
          edited: false,
          unsent: false,
          reactions: new Map(),
          recipients: new Map((content.sent?.copies ?? []).map((c) => [c.to, 'sent'])),
          state: r.fromMe ? 'sent' : 'delivered',
          expiresAt: r.fromMe ? minExpiry(content.sent) : r.expiresAt,
          sentCopy: undefined,
          ownBlobIds: [],
          sentFiles: [],
        };
        if (r.fromMe) this.gatherOwn(m, r);
        this.insert(conversation, m);
        if (!r.fromMe) conversation.unread++;
        this.derive(m);
        for (const effect of this.pending.get(r.messageId) ?? []) this.apply(effect);
        this.pending.delete(r.messageId);
        return conversation;
      }
      case 'edit':
      case 'unsend':
      case 'reaction': {
        const target = this.messages.get(body.target);
        if (!target) return this.defer(body.target, r, conversation);
        if (body.type === 'edit' && target.from.id === r.from.id && !target.unsent) {
          target.text = body.text;
          target.edited = true;
        } else if (body.type === 'unsend' && target.from.id === r.from.id) {
          target.unsent = true;
          target.text = undefined;
          target.file = undefined;
          target.caption = undefined;
        } else if (body.type === 'reaction') {
          const who = target.reactions.get(body.emoji) ?? new Set<string>();
          if (body.remove) who.delete(r.from.id);
          else who.add(r.from.id);
          if (who.size) target.reactions.set(body.emoji, who);
          else target.reactions.delete(body.emoji);
        }
        return conversation;
      }
      case 'receipt': {
        for (const id of body.targets) {
          const target = this.messages.get(id);
          if (!target) {
            this.defer(id, r, conversation);
            continue;
          }
          if (target.fromMe && !r.fromMe) {
            this.raise(target, r.from.id, body.state);
            this.derive(target);
          }
        }
        return conversation;
      }
    }
  }

  /** Re-derives time-dependent states (expired before delivery). Returns true if anything changed. */
  refreshExpiry(): boolean {
    let changed = false;
    for (const m of this.messages.values()) {
      const before = m.state;
      this.derive(m);
      changed ||= before !== m.state;
    }
    return changed;
  }

  markRead(conversationKey: string): string[] {
    const c = this.conversations.get(conversationKey);
    if (!c) return [];
    c.unread = 0;
    return c.messages.filter((m) => !m.fromMe && !m.unsent).map((m) => m.id);
  }

  sortedConversations(): TimelineConversation[] {
    return [...this.conversations.values()].sort((a, b) => b.lastActivity - a.lastActivity || a.title.localeCompare(b.title));
  }

  private peerOfSentCopy(r: ReceivedMessage): Contact | undefined {
    if (r.content.conversation.kind === 'group') return undefined;
    const to = r.content.sent?.copies[0]?.to;
    return to ? this.resolve(to) : undefined;
  }

  private confirmOwn(r: ReceivedMessage): void {
    const m = this.messages.get(r.messageId);
    if (!m || !r.fromMe) return;
    this.gatherOwn(m, r);
    for (const c of r.content.sent?.copies ?? []) this.raise(m, c.to, 'sent');
    m.expiresAt ??= minExpiry(r.content.sent);
    this.derive(m);
  }

  /** Folds one own copy of `m` into what unsend must delete. */
  private gatherOwn(m: TimelineMessage, r: ReceivedMessage): void {
    if (!m.ownBlobIds.includes(r.blobId)) m.ownBlobIds.push(r.blobId);
    const known = new Set((m.sentCopy?.copies ?? []).map((c) => c.blobId));
    const copies = (r.content.sent?.copies ?? []).filter((c) => !known.has(c.blobId));
    if (copies.length) m.sentCopy = { copies: [...(m.sentCopy?.copies ?? []), ...copies] };
    const body = r.content.body;
    if (body.type === 'file' && !m.sentFiles.some((f) => f.id === body.file.id)) m.sentFiles.push(body.file);
  }

  private defer(target: string, r: ReceivedMessage, conversation: TimelineConversation): TimelineConversation {
    const list = this.pending.get(target) ?? [];
    list.push(r);
    this.pending.set(target, list);
    return conversation;
  }

  private insert(c: TimelineConversation, m: TimelineMessage): void {
    this.messages.set(m.id, m);
    c.messages.push(m);
    c.messages.sort((a, b) => a.sentAt - b.sentAt);
    c.lastActivity = Math.max(c.lastActivity, m.sentAt);
  }

  private raise(m: TimelineMessage, to: string, state: DeliveryState): void {
    const cur = m.recipients.get(to);
    if (!cur || RANK[state] > RANK[cur]) m.recipients.set(to, state);
  }

  private derive(m: TimelineMessage): void {
    if (!m.fromMe) return;
    const states = [...m.recipients.values()];
    if (states.length === 0) {
      m.state = 'sent';
      return;
    }
    const now = this.now();
    const expired = m.expiresAt !== undefined && now > m.expiresAt;
    const effective = states.map((s) => (expired && (s === 'sent' || s === 'sending') ? 'expired' : s));
    if (effective.includes('failed')) m.state = 'failed';
    else if (effective.includes('sending')) m.state = 'sending';
    else if (effective.includes('expired')) m.state = 'expired';
    else m.state = effective.reduce((lo, s) => (RANK[s] < RANK[lo] ? s : lo), 'read' as DeliveryState);
  }
}

function minExpiry(sent: MessageContent['sent']): number | undefined {
  const values = (sent?.copies ?? []).map((c) => c.expiresAt).filter((e) => Number.isFinite(e));
  return values.length ? Math.min(...values) : undefined;
}
