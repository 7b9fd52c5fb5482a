/**
 * Timeline: folds received and sent messages into conversations, in memory only. Applies
 * edits, unsends, reactions and receipts, and derives each message's delivery state:
 * sending -> sent -> delivered -> read, or failed, or expired (the relay dropped it unread).
 *
 * Invariants (PROTOCOL.md §11.4), whatever another member sends:
 * - A message is identified by its sender and its id (`messageKey`): one sender can never
 *   shadow, replace or hide another sender's message.
 * - The timeline a set of messages produces does not depend on the order they arrive in:
 *   effects are folded into order-independent slots (./effects.ts) and messages are kept in
 *   a total order that depends only on each message.
 * - Work per incoming message is proportional to its size: a text is one sorted insert plus
 *   the effects already waiting for it (each applied once); an effect touches only its targets.
 */
import type { Conversation, FileManifest, MessageContent } from '@circle/protocol';
import type { Contact } from './directory.js';
import { place, type ClockMark } from './ordering.js';
import { MAX_GROUP_UPDATES, foldGroup, type GroupState, type GroupUpdate } from './groups.js';
import { EffectStore, foldEdit, foldReaction, foldReceipt, shownReactions, type EffectOrder, type EffectSlot } from './effects.js';
import type { ReceivedMessage } from './message-receiver.js';
import type { SentMessage } from './message-sender.js';

export type DeliveryState = 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'expired';

export interface TimelineMessage {
  /** Sender and message id together (`messageKey`): what the app calls the message by. */
  key: string;
  /** The message id on the wire (envelope message id), unique only per sender. */
  id: string;
  conversationKey: string;
  from: Contact;
  fromMe: boolean;
  /** The sender's clock, as claimed. */
  sentAt: number;
  /** Where it is shown and ordered (./ordering.ts): what this app observed, the sender's clock only as a hint. */
  shownAt: number;
  /** Set when the sender's clock was off and not used. */
  clock?: ClockMark;
  text?: string;
  file?: FileManifest;
  caption?: string;
  call?: { event: string; media: string; durationMs?: number };
  /** A group update: the line shown for it ("Bob removed Carol"). */
  notice?: string;
  replyTo?: string;
  edited: boolean;
  unsent: boolean;
  reactions: Map<string, Set<string>>;
  /** Per recipient (sent messages): the furthest state reached, receipts included. */
  recipients: Map<string, DeliveryState>;
  /** Per recipient: what the relay said of the copy (sending, sent or failed). */
  transport: Map<string, DeliveryState>;
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
  /** For groups: the first state this app knew, the updates kept, and everyone who was ever a member. */
  group?: { base: GroupState; updates: GroupUpdate[]; everMembers: Set<string>; version: number };
}

const RANK: Record<DeliveryState, number> = { failed: 0, sending: 1, sent: 2, expired: 2, delivered: 3, read: 4 };

export const conversationKeyOf = (conversation: Conversation, peerId: string): string =>
  conversation.kind === 'group' ? `group:${conversation.id}` : `direct:${peerId}`;

/** A message's identity: its sender and its id (ids are hex, so the separator cannot occur in them). */
export const messageKey = (senderId: string, messageId: string): string => `${senderId}/${messageId}`;

/** Reactions and replies name only a message id: it is looked up within the conversation. */
const inConversation = (conversationKey: string, messageId: string): string => `${conversationKey}|${messageId}`;
const reactionSlotKey = (conversationKey: string, messageId: string): string => `r:${inConversation(conversationKey, messageId)}`;

/** The display order: it depends only on the message itself, never on when it arrived. */
function before(a: TimelineMessage, b: TimelineMessage): boolean {
  if (a.shownAt !== b.shownAt) return a.shownAt < b.shownAt;
  if (a.from.id !== b.from.id) return a.from.id < b.from.id;
  return a.id < b.id;
}

export class Timeline {
  readonly conversations = new Map<string, TimelineConversation>();
  private readonly messages = new Map<string, TimelineMessage>();
  /** Message keys by (conversation, message id), for reactions and replies. */
  private readonly byConversationId = new Map<string, TimelineMessage[]>();
  private readonly effects: EffectStore;
  /** How many times an effect was folded or applied to a message: bounded by a small multiple of the effects received. */
  effectApplications = 0;

  constructor(
    private readonly me: Contact,
    private readonly resolve: (id: string) => Contact | undefined,
    private readonly now: () => number = Date.now,
    effects?: EffectStore,
  ) {
    this.effects = effects ?? new EffectStore(now);
  }

  /** Effect slots still waiting for their target. */
  get waitingEffects(): number {
    return this.effects.waitingCount;
  }

  ensureDirect(peer: Contact): TimelineConversation {
    return this.ensure({ kind: 'direct' }, peer)!;
  }

  /**
   * The conversation a message belongs to, made if new. A group is made only from a claim that
   * lists me; a known group's name and members never change here (only group updates change them).
   */
  ensure(conversation: Conversation, peer?: Contact): TimelineConversation | undefined {
    const key = conversationKeyOf(conversation, peer?.id ?? '');
    let c = this.conversations.get(key);
    if (c) return c;
    if (conversation.kind === 'group' && !conversation.members.includes(this.me.id)) return undefined;
    const title = conversation.kind === 'group' ? conversation.name : (peer?.name ?? 'Unknown');
    c = { key, conversation, title, peer: conversation.kind === 'direct' ? peer : undefined, messages: [], unread: 0, lastActivity: 0 };
    if (conversation.kind === 'group') {
      const base = { name: conversation.name, members: [...conversation.members], version: 0 };
      c.group = { base, updates: [], everMembers: new Set(base.members), version: 0 };
    }
    this.conversations.set(key, c);
    return c;
  }

  /** A known conversation, never made: what signals (typing, rings) may refer to. */
  find(conversation: Conversation, peerId: string): TimelineConversation | undefined {
    return this.conversations.get(conversationKeyOf(conversation, peerId));
  }

  /** Whether `memberId` is a member of the conversation as this app shows it. */
  isMember(c: TimelineConversation, memberId: string): boolean {
    return c.conversation.kind === 'direct'
      ? c.peer?.id === memberId || this.me.id === memberId
      : c.conversation.members.includes(memberId);
  }

  /** The message `key` (see `messageKey`). */
  get(key: string): TimelineMessage | undefined {
    return this.messages.get(key);
  }

  /** A message a reply names: by id, within its conversation (the earliest shown if ids collide). */
  findInConversation(conversationKey: string, messageId: string): TimelineMessage | undefined {
    return this.byConversationId.get(inConversation(conversationKey, messageId))?.[0];
  }

  /** Adds a message I am sending now, before the relay has it. */
  addOutgoing(
    conversation: TimelineConversation,
    id: string,
    body: { text?: string; file?: FileManifest; caption?: string; replyTo?: string },
    recipients: Contact[],
  ): TimelineMessage {
    const transport = new Map<string, DeliveryState>(recipients.map((r) => [r.id, 'sending']));
    const m: TimelineMessage = {
      key: messageKey(this.me.id, id),
      id,
      conversationKey: conversation.key,
      from: this.me,
      fromMe: true,
      sentAt: this.now(),
      shownAt: this.now(),
      ...body,
      edited: false,
      unsent: false,
      reactions: new Map(),
      recipients: new Map(transport),
      transport,
      state: 'sending',
      ownBlobIds: [],
      sentFiles: [],
    };
    this.insert(conversation, m);
    this.attach(m);
    return m;
  }

  /** A send (or its retry) starts: every recipient's copy is on its way again. */
  markSending(key: string, recipients: Contact[]): void {
    const m = this.messages.get(key);
    if (!m) return;
    for (const r of recipients) m.transport.set(r.id, 'sending');
    m.error = undefined;
    this.derive(m);
  }

  /** The relay stored (or refused) the copies of a message I sent; keeps what unsend needs. */
  markSent(key: string, sent: SentMessage): void {
    const m = this.messages.get(key);
    if (!m) return;
    const { copies, failed } = sent;
    m.sentCopy = sent.record;
    m.ownBlobIds = sent.ownBlobIds;
    m.sentFiles = sent.files;
    for (const c of copies) this.raise(m, c.to, 'sent');
    for (const f of failed) {
      m.transport.set(f.to, 'failed');
      m.error = f.error.message;
    }
    const valid = copies.map((c) => c.expiresAt).filter((e) => Number.isFinite(e));
    if (valid.length) m.expiresAt = Math.min(...valid);
    this.derive(m);
  }

  markFailed(key: string, error: string): void {
    const m = this.messages.get(key);
    if (!m) return;
    for (const [to, state] of m.transport) if (state === 'sending') m.transport.set(to, 'failed');
    m.error = error;
    this.derive(m);
  }

  /** Applies one opened message; returns the conversation it touched. */
  apply(r: ReceivedMessage): TimelineConversation | undefined {
    const { content } = r;
    const peer = r.fromMe ? this.peerOfSentCopy(r) : r.from;
    const conversation = this.ensure(content.conversation, peer);
    if (!conversation) return undefined;
    const body = content.body;
    const order: EffectOrder = { counter: r.counter, id: r.messageId };
    switch (body.type) {
      case 'text':
      case 'file':
      case 'call': {
        const key = messageKey(r.from.id, r.messageId);
        if (this.messages.has(key)) {
          this.confirmOwn(key, r);
          return conversation;
        }
        const m: TimelineMessage = {
          key,
          id: r.messageId,
          conversationKey: conversation.key,
          from: r.from,
          fromMe: r.fromMe,
          sentAt: r.sentAt,
          ...this.placeOf(r),
          text: body.type === 'text' ? body.text : undefined,
          file: body.type === 'file' ? body.file : undefined,
          caption: body.type === 'file' ? body.caption : undefined,
          call: body.type === 'call' ? { event: body.event, media: body.media, durationMs: body.durationMs } : undefined,
          replyTo: body.type === 'call' ? undefined : body.replyTo,
          edited: false,
          unsent: false,
          reactions: new Map(),
          recipients: new Map(),
          transport: new Map((content.sent?.copies ?? []).map((c) => [c.to, 'sent'])),
          state: r.fromMe ? 'sent' : 'delivered',
          expiresAt: r.fromMe ? minExpiry(content.sent) : r.expiresAt,
          sentCopy: undefined,
          ownBlobIds: [],
          sentFiles: [],
        };
        if (r.fromMe) this.gatherOwn(m, r);
        this.insert(conversation, m);
        if (!r.fromMe) conversation.unread++;
        this.attach(m);
        return conversation;
      }
      case 'edit':
      case 'unsend': {
        // Keyed by the effect's own sender: it can only ever reach that sender's message.
        const key = messageKey(r.from.id, body.target);
        const target = this.messages.get(key);
        const slot = this.effects.slot(key, target !== undefined);
        this.effectApplications++;
        if (body.type === 'unsend') {
          slot.unsent = true;
          if (target) withdraw(target);
        } else if (foldEdit(slot, order, body.text) && target && !slot.unsent && target.text !== undefined) {
          target.text = body.text;
          target.edited = true;
        }
        return conversation;
      }
      case 'reaction': {
        const where = inConversation(conversation.key, body.target);
        const targets = this.byConversationId.get(where) ?? [];
        const slot = this.effects.slot(reactionSlotKey(conversation.key, body.target), targets.length > 0);
        this.effectApplications++;
        if (foldReaction(slot, r.from.id, body.emoji, !body.remove, order))
          for (const t of targets) setReaction(t, body.emoji, r.from.id, !body.remove);
        return conversation;
      }
      case 'group-update': {
        const key = messageKey(r.from.id, r.messageId);
        const group = conversation.group;
        if (!group || content.conversation.kind !== 'group' || this.messages.has(key)) return conversation;
        if (group.updates.length >= MAX_GROUP_UPDATES) return conversation;
        group.updates.push({
          key,
          from: r.from,
          messageId: r.messageId,
          version: body.version,
          name: content.conversation.name,
          members: [...content.conversation.members],
        });
        const m = this.bare(key, r, conversation);
        m.notice = '';
        this.insert(conversation, m);
        this.refold(conversation);
        return conversation;
      }
      case 'receipt': {
        // A receipt speaks only about messages I sent, and only another member's receipt counts.
        if (r.fromMe) return conversation;
        for (const id of body.targets) {
          const key = messageKey(this.me.id, id);
          const target = this.messages.get(key);
          const slot = this.effects.slot(key, target !== undefined);
          this.effectApplications++;
          if (foldReceipt(slot, r.from.id, body.state) && target) this.derive(target);
        }
        return conversation;
      }
    }
  }

  /** Recomputes a group's state from its updates, and the line each update shows. */
  private refold(c: TimelineConversation): void {
    const group = c.group;
    if (!group || c.conversation.kind !== 'group') return;
    const { state, lines, applied } = foldGroup(group.base, group.updates, (id) => this.resolve(id)?.name ?? 'someone outside the circle');
    c.conversation = { kind: 'group', id: c.conversation.id, name: state.name, members: state.members };
    c.title = state.name;
    group.version = state.version;
    for (const u of group.updates) {
      const m = this.messages.get(u.key);
      if (m) m.notice = lines.get(u.key);
      if (applied.has(u.key)) for (const id of u.members) group.everMembers.add(id);
    }
  }

  private placeOf(r: ReceivedMessage): { shownAt: number; clock?: ClockMark } {
    return place({ sentAt: r.sentAt, expiresAt: r.expiresAt, receivedAt: r.receivedAt }, this.now());
  }

  /** A message with only what every kind has. */
  private bare(key: string, r: ReceivedMessage, conversation: TimelineConversation): TimelineMessage {
    return {
      key,
      id: r.messageId,
      conversationKey: conversation.key,
      from: r.from,
      fromMe: r.fromMe,
      sentAt: r.sentAt,
      ...this.placeOf(r),
      edited: false,
      unsent: false,
      reactions: new Map(),
      recipients: new Map(),
      transport: new Map(),
      state: r.fromMe ? 'sent' : 'delivered',
      ownBlobIds: [],
      sentFiles: [],
    };
  }

  /** Re-derives time-dependent states (expired before delivery). Returns true if anything changed. */
  refreshExpiry(): boolean {
    this.effects.evict();
    let changed = false;
    for (const m of this.messages.values()) {
      const before = m.state;
      this.derive(m);
      changed ||= before !== m.state;
    }
    return changed;
  }

  /** Marks a conversation read; returns the keys of the others' messages in it. */
  markRead(conversationKey: string): string[] {
    const c = this.conversations.get(conversationKey);
    if (!c) return [];
    c.unread = 0;
    return c.messages.filter((m) => !m.fromMe && !m.unsent).map((m) => m.key);
  }

  sortedConversations(): TimelineConversation[] {
    return [...this.conversations.values()].sort((a, b) => b.lastActivity - a.lastActivity || a.title.localeCompare(b.title));
  }

  private peerOfSentCopy(r: ReceivedMessage): Contact | undefined {
    if (r.content.conversation.kind === 'group') return undefined;
    const to = r.content.sent?.copies[0]?.to;
    return to ? this.resolve(to) : undefined;
  }

  private confirmOwn(key: string, r: ReceivedMessage): void {
    const m = this.messages.get(key);
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

  /** A message arrived: the effects already kept for it apply now, each once. */
  private attach(m: TimelineMessage): void {
    this.effects.arrived(m.key);
    const slot = this.effects.peek(m.key);
    if (slot) this.applySlot(m, slot);
    const reactionKey = reactionSlotKey(m.conversationKey, m.id);
    this.effects.arrived(reactionKey);
    const reactions = this.effects.peek(reactionKey);
    if (reactions) {
      m.reactions = shownReactions(reactions);
      for (const emojis of reactions.reactions.values()) this.effectApplications += emojis.size;
    }
    this.derive(m);
  }

  private applySlot(m: TimelineMessage, slot: EffectSlot): void {
    if (slot.unsent) {
      withdraw(m);
      this.effectApplications++;
    } else if (slot.edit && m.text !== undefined) {
      m.text = slot.edit.text;
      m.edited = true;
      this.effectApplications++;
    }
    this.effectApplications += slot.receipts.size;
  }

  /** Inserts in display order (binary search: no re-sort of the conversation). */
  private insert(c: TimelineConversation, m: TimelineMessage): void {
    this.messages.set(m.key, m);
    const where = inConversation(c.key, m.id);
    const same = this.byConversationId.get(where) ?? [];
    same.splice(insertionIndex(same, m), 0, m);
    this.byConversationId.set(where, same);
    c.messages.splice(insertionIndex(c.messages, m), 0, m);
    c.lastActivity = Math.max(c.lastActivity, m.shownAt);
  }

  private raise(m: TimelineMessage, to: string, state: DeliveryState): void {
    const cur = m.transport.get(to);
    if (!cur || RANK[state] > RANK[cur]) m.transport.set(to, state);
  }

  /** Recomputes a message's per-recipient and overall state from the relay's answers and the receipts. */
  private derive(m: TimelineMessage): void {
    if (!m.fromMe) return;
    const receipts = this.effects.peek(m.key)?.receipts;
    m.recipients = new Map(
      [...m.transport].map(([to, t]) => {
        const seen = receipts?.get(to);
        return [to, t !== 'failed' && seen && RANK[seen] > RANK[t] ? seen : t];
      }),
    );
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

function withdraw(m: TimelineMessage): void {
  m.unsent = true;
  m.edited = false;
  m.text = undefined;
  m.file = undefined;
  m.caption = undefined;
}

function setReaction(m: TimelineMessage, emoji: string, member: string, on: boolean): void {
  const who = m.reactions.get(emoji) ?? new Set<string>();
  if (on) who.add(member);
  else who.delete(member);
  if (who.size) m.reactions.set(emoji, who);
  else m.reactions.delete(emoji);
}

/** Where `m` goes in `list` (kept in display order). */
function insertionIndex(list: TimelineMessage[], m: TimelineMessage): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid]!, m)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function minExpiry(sent: MessageContent['sent']): number | undefined {
  const values = (sent?.copies ?? []).map((c) => c.expiresAt).filter((e) => Number.isFinite(e));
  return values.length ? Math.min(...values) : undefined;
}
