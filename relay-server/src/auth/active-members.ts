/**
 * Which mailboxes belong to active (allowlisted, unrevoked) members, kept in memory so that
 * every put and live signal does not cost a database query. Refreshed by the relay's
 * revocation loop (every second); a mailbox not in the cache is looked up once, so members
 * seeded while the relay runs are accepted at once.
 */
import type { Allowlist } from '../store/index.js';

export class ActiveMembers {
  private mailboxes = new Set<string>();

  constructor(private readonly allowlist: Allowlist) {}

  async refresh(): Promise<Set<string>> {
    this.mailboxes = new Set(await this.allowlist.activeMailboxes());
    return this.mailboxes;
  }

  async has(mailbox: string): Promise<boolean> {
    if (this.mailboxes.has(mailbox)) return true;
    const active = await this.allowlist.isActiveMailbox(mailbox);
    if (active) this.mailboxes.add(mailbox);
    return active;
  }
}
