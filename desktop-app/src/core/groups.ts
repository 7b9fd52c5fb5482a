/**
 * Group state with an authority (docs/decisions/2026-12-07-group-authority.md): a group's
 * name and members change only through explicit `group-update` messages, each from a member
 * of the state it replaces, and every member's app shows each change as a line. Ordinary
 * messages, typing, rings and receipts never change a group.
 *
 * The state is a fold over the updates kept for the group, sorted by (version, sender, id):
 * an update applies when its version is above the current one and its sender is a current
 * member. The fold depends only on the set of updates, never on their arrival order.
 */
import type { Contact } from './directory.js';

export interface GroupState {
  name: string;
  members: string[];
  version: number;
}

export interface GroupUpdate {
  /** The update message's key (sender and id). */
  key: string;
  from: Contact;
  messageId: string;
  version: number;
  name: string;
  members: string[];
}

/** Updates kept per group: far more than a group sees in the days the mailbox holds. */
export const MAX_GROUP_UPDATES = 256;

export interface GroupFold {
  state: GroupState;
  /** Per update key: the line the conversation shows for it. */
  lines: Map<string, string>;
  /** The keys of the updates that applied. */
  applied: Set<string>;
}

const sortKey = (a: GroupUpdate, b: GroupUpdate): number =>
  a.version - b.version || (a.from.id < b.from.id ? -1 : a.from.id > b.from.id ? 1 : 0) || (a.messageId < b.messageId ? -1 : 1);

/** Folds `updates` over the group's first known state; `nameOf` names members in the lines. */
export function foldGroup(base: GroupState, updates: readonly GroupUpdate[], nameOf: (id: string) => string): GroupFold {
  let state = base;
  const lines = new Map<string, string>();
  const applied = new Set<string>();
  for (const u of [...updates].sort(sortKey)) {
    if (u.version <= state.version || !state.members.includes(u.from.id)) {
      lines.set(u.key, `${u.from.name}’s change to the group was not applied (an older or unauthorised change)`);
      continue;
    }
    lines.set(u.key, describeChange(u.from.name, state, u, nameOf));
    applied.add(u.key);
    state = { name: u.name, members: u.members, version: u.version };
  }
  return { state, lines, applied };
}

function describeChange(by: string, before: GroupState, after: GroupUpdate, nameOf: (id: string) => string): string {
  const parts: string[] = [];
  const added = after.members.filter((m) => !before.members.includes(m));
  const removed = before.members.filter((m) => !after.members.includes(m));
  const list = (ids: string[]) => ids.map(nameOf).join(', ');
  if (removed.length === 1 && removed[0] === after.from.id && added.length === 0) parts.push(`${by} left the group`);
  else {
    if (added.length) parts.push(`${by} added ${list(added)}`);
    if (removed.length) parts.push(`${by} removed ${list(removed)}`);
  }
  if (after.name !== before.name) parts.push(`${by} renamed the group to “${after.name}”`);
  if (parts.length) return parts.join('; ');
  return after.version === 1 ? `${by} created the group` : `${by} updated the group`;
}
