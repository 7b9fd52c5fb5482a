/**
 * Which mailboxes belong to active (allowlisted, unrevoked) members and to their devices, kept
 * in memory so that every put and live signal does not cost a database query. Refreshed by the
 * relay's revocation loop (every MEMBER_LIST_REFRESH_MS); a mailbox not in the cache is looked
 * up once, so members seeded and devices added while the relay runs are accepted at once.
 *
 * Revocation bites within a bound: a member's request is served only while the list was read
 * from the database at most MEMBER_LIST_MAX_AGE_MS ago, so once `npm run revoke` has waited
 * that long after its commit, every node refuses the revoked identity's next request.
 */
import { CircleError, ErrorCode } from '@circle/protocol';
import type { Allowlist, DeviceStore } from '../store/index.js';

export const MEMBER_LIST_REFRESH_MS = 250;
/** `npm run revoke` waits this long after revoking (plus a margin) before it returns. */
export const MEMBER_LIST_MAX_AGE_MS = 2000;

export class ActiveMembers {
  private mailboxes = new Set<string>();
  /** Device mailbox -> its member's mailbox, devices not removed. */
  private devices = new Map<string, string>();
  /** Orders reads of the allowlist by when they started (clocks may be frozen or moved in tests). */
  private seq = 0;
  /** Sequence number of the read behind `mailboxes`. */
  private readSeq = -1;
  /** When (performance.now) that read started. */
  private readAt = -Infinity;
  /** Mailboxes found active by a read newer than `mailboxes`, with that read's sequence number. */
  private readonly confirmed = new Map<string, number>();

  constructor(
    private readonly allowlist: Allowlist,
    private readonly deviceStore: DeviceStore,
  ) {}

  async refresh(): Promise<Set<string>> {
    const seq = ++this.seq;
    const started = performance.now();
    const [mailboxes, devices] = await Promise.all([this.allowlist.activeMailboxes(), this.deviceStore.activeDevices()]);
    if (seq < this.readSeq) return this.mailboxes;
    this.mailboxes = new Set(mailboxes);
    this.devices = devices;
    this.readSeq = seq;
    this.readAt = started;
    for (const [mailbox, at] of this.confirmed) if (at < seq) this.confirmed.delete(mailbox);
    return this.mailboxes;
  }

  /** True for the mailbox of an active member. */
  async has(mailbox: string): Promise<boolean> {
    if (this.isActive(mailbox)) return true;
    const seq = ++this.seq;
    const active = await this.allowlist.isActiveMailbox(mailbox);
    if (active) this.confirmed.set(mailbox, seq);
    return active;
  }

  /** The active member a mailbox belongs to: itself, or the member of a device; null otherwise. */
  async ownerOf(mailbox: string): Promise<string | null> {
    if (await this.has(mailbox)) return mailbox;
    let member = this.devices.get(mailbox) ?? null;
    if (member === null) {
      member = await this.deviceStore.memberOf(mailbox);
      if (member !== null) this.devices.set(mailbox, member);
    }
    return member !== null && (await this.has(member)) ? member : null;
  }

  /** A device was removed here: stop accepting its mailbox at once (other nodes: next refresh). */
  forgetDevice(mailbox: string): void {
    this.devices.delete(mailbox);
  }

  /** A login's allowlist check just found the member of `mailbox` active. */
  noteActive(mailbox: string): void {
    this.confirmed.set(mailbox, ++this.seq);
  }

  /** Whether the member of `mailbox` was active by the newest read this node has. */
  isActive(mailbox: string): boolean {
    return this.mailboxes.has(mailbox) || (this.confirmed.get(mailbox) ?? -1) > this.readSeq;
  }

  /**
   * For each request of an authenticated member: throws Revoked if its identity was revoked,
   * Unavailable if this node could not read the member list recently enough to tell.
   */
  assertActive(mailbox: string, operation: string): void {
    if (performance.now() - this.readAt > MEMBER_LIST_MAX_AGE_MS)
      throw new CircleError(ErrorCode.Unavailable, operation, 'the relay cannot reach its database right now: retry in a moment');
    if (!this.isActive(mailbox)) throw new CircleError(ErrorCode.Revoked, operation, 'this identity has been revoked by the operator');
  }
}
