/**
 * Effects: what edits, unsends, reactions and receipts say about a message, folded into one
 * slot per target, whether or not the target has arrived. Mailbox sync is unordered, so an
 * effect often arrives before its target; it is stored once (keyed by its target, and within
 * the slot by its sender), never re-applied, and read when the target arrives.
 *
 * Every fold here is order-independent: an edit or a reaction is a last-writer-wins register
 * per (sender, target) ordered by the sender's envelope counter (ties by message id), an
 * unsend is sticky, a receipt only raises. So the slots end the same whatever the arrival order.
 *
 * Slots whose target has not arrived are bounded in count and age: the oldest is dropped first.
 * A target that never arrives (expired, or never sent) cannot make the receiver keep its effects.
 */

/** The order of one sender's effects: its envelope counter, then its message id. */
export interface EffectOrder {
  counter: bigint;
  id: string;
}

export const laterThan = (a: EffectOrder, b: EffectOrder): boolean => a.counter > b.counter || (a.counter === b.counter && a.id > b.id);

export type ReceiptState = 'delivered' | 'read';

export interface EffectSlot {
  /** The latest edit by the target's own sender (edits are keyed by their sender, so no one else's reaches it). */
  edit?: { order: EffectOrder; text: string };
  unsent: boolean;
  /** Per reacting member, per emoji: whether the latest reaction of that member adds it. */
  reactions: Map<string, Map<string, { order: EffectOrder; on: boolean }>>;
  /** Per member who sent a receipt: the highest state it reported. */
  receipts: Map<string, ReceiptState>;
}

/** How many effect slots may wait for targets that have not arrived. */
export const MAX_WAITING_SLOTS = 20_000;
/** How long a slot waits for its target: longer than any blob lives on the relay (PROTOCOL.md §8). */
export const MAX_WAITING_MS = 5 * 24 * 3600_000;

export class EffectStore {
  private readonly slots = new Map<string, EffectSlot>();
  /** Slots whose target is not here, oldest first (a Map keeps insertion order), with when they began to wait. */
  private readonly waiting = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly limits = { maxWaiting: MAX_WAITING_SLOTS, maxWaitingMs: MAX_WAITING_MS },
  ) {}

  get waitingCount(): number {
    return this.waiting.size;
  }

  /** The slot of `key`, if any effect about it has been kept. */
  peek(key: string): EffectSlot | undefined {
    return this.slots.get(key);
  }

  /**
   * The slot of `key`, made if needed. `present` says whether the target is here; a slot
   * made for an absent target waits, and may be dropped when the waiting bound is reached.
   */
  slot(key: string, present: boolean): EffectSlot {
    let s = this.slots.get(key);
    if (!s) {
      s = { unsent: false, reactions: new Map(), receipts: new Map() };
      this.slots.set(key, s);
      if (!present) {
        this.waiting.set(key, this.now());
        this.evict();
      }
    }
    return s;
  }

  /** The target of `key` arrived: its slot no longer waits (nor counts against the bound). */
  arrived(key: string): void {
    this.waiting.delete(key);
  }

  /** Drops waiting slots older than the age bound (called now and then, and on every new waiting slot). */
  evict(): void {
    const oldest = this.now() - this.limits.maxWaitingMs;
    for (const [key, since] of this.waiting) {
      if (this.waiting.size <= this.limits.maxWaiting && since >= oldest) break;
      this.waiting.delete(key);
      this.slots.delete(key);
    }
  }
}

const RECEIPT_RANK: Record<ReceiptState, number> = { delivered: 1, read: 2 };

/** Folds one receipt into a slot; true if it raised the state. */
export function foldReceipt(slot: EffectSlot, from: string, state: ReceiptState): boolean {
  const cur = slot.receipts.get(from);
  if (cur && RECEIPT_RANK[cur] >= RECEIPT_RANK[state]) return false;
  slot.receipts.set(from, state);
  return true;
}

/** Folds one edit into a slot; true if it is now the latest. */
export function foldEdit(slot: EffectSlot, order: EffectOrder, text: string): boolean {
  if (slot.edit && !laterThan(order, slot.edit.order)) return false;
  slot.edit = { order, text };
  return true;
}

/** Folds one reaction into a slot; true if it is now the latest of that member for that emoji. */
export function foldReaction(slot: EffectSlot, from: string, emoji: string, on: boolean, order: EffectOrder): boolean {
  const mine = slot.reactions.get(from) ?? new Map<string, { order: EffectOrder; on: boolean }>();
  const cur = mine.get(emoji);
  if (cur && !laterThan(order, cur.order)) return false;
  mine.set(emoji, { order, on });
  slot.reactions.set(from, mine);
  return true;
}

/** The reactions a slot shows: emoji to the members whose latest reaction adds it. */
export function shownReactions(slot: EffectSlot | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [member, emojis] of slot?.reactions ?? [])
    for (const [emoji, r] of emojis) {
      if (!r.on) continue;
      const who = out.get(emoji) ?? new Set<string>();
      who.add(member);
      out.set(emoji, who);
    }
  return out;
}
