/**
 * The client core's timeline against every arrival order: the same messages, from several
 * senders, in random interleavings, converge to the same timeline, and the effects cost a
 * bounded number of applications (PROTOCOL.md §11.4, issue 19).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Conversation, MessageContent } from '@circle/protocol';
import type { Contact } from '../../src/core/directory.js';
import { EffectStore } from '../../src/core/effects.js';
import { foldGroup, type GroupUpdate } from '../../src/core/groups.js';
import type { ReceivedMessage } from '../../src/core/message-receiver.js';
import { Timeline, messageKey } from '../../src/core/timeline.js';

const contact = (digit: string, name: string, isMe = false): Contact => ({
  id: digit.repeat(64),
  name,
  mailbox: digit.repeat(43),
  isMe,
  x25519PublicKey: new Uint8Array(32),
  ed25519PublicKey: new Uint8Array(32),
});
const ME = contact('a', 'Alice', true);
const OTHERS = [contact('b', 'Bob'), contact('c', 'Carol'), contact('d', 'Dave')];
const ALL = [ME, ...OTHERS];
const byId = new Map(ALL.map((c) => [c.id, c]));
const GROUP: Conversation = { kind: 'group', id: 'e'.repeat(32), name: 'Plans', members: ALL.map((c) => c.id) };
const T0 = 1_800_000_000_000;
/** The relay's expiry for what was stored at T0 (inside the window PROTOCOL.md §8 allows). */
const EXPIRES = T0 + 80 * 3600_000;
const EMOJI = ['👍', '❤️', '😂'];

type Op =
  | { kind: 'text'; sender: number; peer: number; group: boolean; id: number; sentAt: number }
  | { kind: 'edit'; sender: number; peer: number; group: boolean; target: number; text: string }
  | { kind: 'unsend'; sender: number; peer: number; group: boolean; target: number }
  | { kind: 'reaction'; sender: number; peer: number; group: boolean; target: number; emoji: number; remove: boolean }
  | { kind: 'receipt'; sender: number; peer: number; group: boolean; targets: number[]; read: boolean };

const ID_POOL = 400;
const idHex = (n: number): string => n.toString(16).padStart(32, '0');
const where = { sender: fc.integer({ min: 0, max: 3 }), peer: fc.integer({ min: 1, max: 3 }), group: fc.boolean() };
const target = fc.integer({ min: 0, max: ID_POOL - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('text' as const), ...where, id: target, sentAt: fc.integer({ min: 0, max: 50 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('edit' as const), ...where, target, text: fc.constantFrom('x', 'y', 'z') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unsend' as const), ...where, target }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reaction' as const),
      ...where,
      target,
      emoji: fc.integer({ min: 0, max: 2 }),
      remove: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('receipt' as const),
      ...where,
      sender: fc.integer({ min: 1, max: 3 }),
      targets: fc.array(target, { minLength: 1, maxLength: 24 }),
      read: fc.boolean(),
    }),
  },
);

/** Turns a script into the messages a receiver (Alice) opens: one message id per sender used once (the replay guard's rule). */
function messagesOf(ops: Op[]): ReceivedMessage[] {
  const out: ReceivedMessage[] = [];
  const counters = new Map<string, bigint>();
  let fresh = ID_POOL;
  for (const o of ops) {
    const from = ALL[o.sender]!;
    const peer = o.sender === 0 ? OTHERS[o.peer - 1]! : from;
    const conversation: Conversation = o.group ? GROUP : { kind: 'direct' };
    const counter = (counters.get(from.id) ?? 0n) + 1n;
    counters.set(from.id, counter);
    const messageId = idHex(o.kind === 'text' ? o.id : fresh++);
    const body: MessageContent['body'] =
      o.kind === 'text'
        ? { type: 'text', text: `t${o.id}` }
        : o.kind === 'edit'
          ? { type: 'edit', target: idHex(o.target), text: o.text }
          : o.kind === 'unsend'
            ? { type: 'unsend', target: idHex(o.target) }
            : o.kind === 'reaction'
              ? { type: 'reaction', target: idHex(o.target), emoji: EMOJI[o.emoji]!, remove: o.remove }
              : { type: 'receipt', targets: o.targets.map(idHex), state: o.read ? 'read' : 'delivered' };
    const recipients = o.group ? OTHERS : [peer];
    const sent = from.isMe
      ? { copies: recipients.map((r, i) => ({ to: r.id, blobId: `${messageId}-${i}`, deleteSecret: '0'.repeat(64), expiresAt: EXPIRES })) }
      : undefined;
    out.push({
      blobId: `${from.id}-${messageId}`,
      expiresAt: EXPIRES,
      messageId,
      from,
      fromMe: from.isMe,
      sentAt: T0 + (o.kind === 'text' ? o.sentAt : 0),
      counter,
      content: { v: 1, conversation, body, ...(sent ? { sent } : {}) },
      order: 'fresh',
    });
  }
  // One sender never sends two messages under one id: later ones are replays, which the guard drops.
  const seen = new Set<string>();
  return out.filter((m) => {
    const key = messageKey(m.from.id, m.messageId);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function run(messages: ReceivedMessage[]): Timeline {
  const t = new Timeline(
    ME,
    (id) => byId.get(id),
    () => T0,
  );
  for (const m of messages) t.apply(m);
  return t;
}

/** Everything the member sees, in the order shown. */
function snapshot(t: Timeline): unknown {
  return [...t.conversations.values()]
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map((c) => ({
      key: c.key,
      title: c.title,
      unread: c.unread,
      messages: c.messages.map((m) => ({
        key: m.key,
        text: m.text,
        edited: m.edited,
        unsent: m.unsent,
        state: m.state,
        reactions: [...m.reactions].map(([e, who]) => [e, [...who].sort()]).sort(),
        recipients: [...m.recipients].sort(),
      })),
    }));
}

const effectItems = (messages: ReceivedMessage[]): number =>
  messages.reduce((n, m) => {
    const b = m.content.body;
    return n + (b.type === 'receipt' ? b.targets.length : b.type === 'text' ? 0 : 1);
  }, 0);

describe('timeline', () => {
  it('random interleavings of up to 1,000 texts, receipts, edits, reactions and unsends from several senders converge', () => {
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 1000, size: 'max' }).chain((ops) => {
          const messages = messagesOf(ops);
          const n = messages.length;
          return fc.tuple(
            fc.constant(messages),
            fc.shuffledSubarray(messages, { minLength: n, maxLength: n }),
            fc.shuffledSubarray(messages, { minLength: n, maxLength: n }),
          );
        }),
        ([messages, orderA, orderB]) => {
          const inOrder = run(messages);
          const a = run(orderA);
          const b = run(orderB);
          expect(snapshot(a)).toEqual(snapshot(inOrder));
          expect(snapshot(b)).toEqual(snapshot(inOrder));
          // Each effect is folded once on arrival and applied at most once more when its target arrives.
          for (const t of [inOrder, a, b]) {
            expect(t.effectApplications).toBeLessThanOrEqual(2 * effectItems(messages));
            // A receipt names at most 24 targets here, so that is within 48 times the messages.
            expect(t.effectApplications).toBeLessThanOrEqual(48 * messages.length);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a receipt before its 24 targets is applied once per target, not once per arrival', () => {
    const ops: Op[] = [
      { kind: 'receipt', sender: 1, peer: 1, group: false, targets: Array.from({ length: 24 }, (_, i) => i), read: false },
      ...Array.from({ length: 24 }, (_, i): Op => ({ kind: 'text', sender: 0, peer: 1, group: false, id: i, sentAt: i })),
    ];
    const t = run(messagesOf(ops));
    expect(t.effectApplications).toBe(48);
    expect(t.waitingEffects).toBe(0);
    const conv = t.conversations.get(`direct:${OTHERS[0]!.id}`)!;
    expect(conv.messages.map((m) => m.state)).toEqual(Array(24).fill('delivered'));
  });

  it('one sender cannot edit, unsend or hide another sender’s message, even under the same id', () => {
    const ops: Op[] = [
      { kind: 'text', sender: 2, peer: 1, group: true, id: 7, sentAt: 1 },
      { kind: 'text', sender: 1, peer: 1, group: false, id: 7, sentAt: 2 },
      { kind: 'edit', sender: 1, peer: 1, group: true, target: 7, text: 'forged' },
      { kind: 'unsend', sender: 1, peer: 1, group: true, target: 7 },
    ];
    for (const order of [messagesOf(ops), messagesOf(ops).reverse()]) {
      const t = run(order);
      const carol = t.get(messageKey(OTHERS[1]!.id, idHex(7)))!;
      expect(carol).toMatchObject({
        text: 't7',
        edited: false,
        unsent: false,
        conversationKey: `group:${GROUP.kind === 'group' && GROUP.id}`,
      });
      expect(t.get(messageKey(OTHERS[0]!.id, idHex(7)))).toMatchObject({ unsent: true });
    }
  });

  it('effects waiting for targets that never come are bounded in count and age', () => {
    let now = T0;
    const store = new EffectStore(() => now, { maxWaiting: 100, maxWaitingMs: 1000 });
    const t = new Timeline(
      ME,
      (id) => byId.get(id),
      () => now,
      store,
    );
    const receipt = (targets: number[]) => messagesOf([{ kind: 'receipt', sender: 1, peer: 1, group: false, targets, read: true }]);
    for (let i = 0; i < 10; i++) for (const m of receipt(Array.from({ length: 24 }, (_, j) => 1000 + i * 24 + j))) t.apply(m);
    expect(t.waitingEffects).toBe(100);
    now += 1001;
    t.refreshExpiry();
    expect(t.waitingEffects).toBe(0);
  });

  it('group updates fold to one state whatever their order; only current members change a group', () => {
    const update = fc.record({
      sender: fc.integer({ min: 0, max: 3 }),
      version: fc.integer({ min: 1, max: 6 }),
      members: fc.subarray([0, 1, 2, 3], { minLength: 2 }),
      name: fc.constantFrom('A', 'B'),
    });
    fc.assert(
      fc.property(
        fc.array(update, { maxLength: 30 }).chain((raw) => {
          const updates: GroupUpdate[] = raw.map((u, i) => ({
            key: `${i}`,
            from: ALL[u.sender]!,
            messageId: idHex(i),
            version: u.version,
            name: u.name,
            members: u.members.map((m) => ALL[m]!.id),
          }));
          return fc.tuple(fc.constant(updates), fc.shuffledSubarray(updates, { minLength: updates.length, maxLength: updates.length }));
        }),
        ([updates, shuffled]) => {
          const base = { name: 'G', members: [ME.id, OTHERS[0]!.id], version: 0 };
          const nameOf = (id: string) => byId.get(id)!.name;
          const a = foldGroup(base, updates, nameOf);
          expect(foldGroup(base, shuffled, nameOf)).toEqual(a);
          // Dave and Carol start outside: nothing of theirs applies until a member adds them.
          const applied = updates.filter((u) => a.applied.has(u.key));
          const members = new Set(base.members);
          for (const u of [...applied].sort((x, y) => x.version - y.version)) {
            expect(members.has(u.from.id)).toBe(true);
            members.clear();
            for (const m of u.members) members.add(m);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
