/**
 * Which mailboxes belong to active (allowlisted, unrevoked) members and to their devices, kept
 * in memory so that every put and live signal does not cost a database query. Refreshed by the
 * relay's revocation loop (every second); a mailbox not in the cache is looked up once, so
 * members seeded and devices added while the relay runs are accepted at once.
 */
import type { Allowlist, DeviceStore } from '../store/index.js';

export class ActiveMembers {
  private mailboxes = new Set<string>();
  /** Device mailbox -> its member's mailbox, devices not removed. */
  private devices = new Map<string, string>();

  constructor(
    private readonly allowlist: Allowlist,
    private readonly deviceStore: DeviceStore,
  ) {}

  async refresh(): Promise<Set<string>> {
    const [mailboxes, devices] = await Promise.all([this.allowlist.activeMailboxes(), this.deviceStore.activeDevices()]);
    this.mailboxes = new Set(mailboxes);
    this.devices = devices;
    return this.mailboxes;
  }

  /** True for the mailbox of an active member. */
  async has(mailbox: string): Promise<boolean> {
    if (this.mailboxes.has(mailbox)) return true;
    const active = await this.allowlist.isActiveMailbox(mailbox);
    if (active) this.mailboxes.add(mailbox);
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
}
