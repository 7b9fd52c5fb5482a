/** Which other members are online: the relay's list after coming online, then its live updates. */
import type { Contact, Directory } from './directory.js';
import type { RelayConnection } from './relay-connection.js';

export class PresenceTracker {
  private readonly online = new Set<string>();
  /** One map per presence list on its way: the updates that arrived since it was asked for. */
  private readonly presenceWhileListing = new Set<Map<string, boolean>>();

  constructor(
    private readonly connection: RelayConnection,
    private readonly directory: Directory,
    private readonly onChange: (change: { member: Contact; online: boolean }) => void,
  ) {}

  isOnline(member: Contact): boolean {
    return this.online.has(member.mailbox);
  }

  /** Forgets everyone (we went offline; nobody is known to be online). */
  clear(): void {
    this.online.clear();
  }

  /** A live presence update from the relay. */
  update(mailbox: string, online: boolean): void {
    const member = this.directory.byMailboxAddress(mailbox);
    if (!member || member.isMe) return;
    for (const newer of this.presenceWhileListing) newer.set(mailbox, online);
    this.setOnline(member, online);
  }

  /**
   * Takes the relay's presence list after coming online. Updates that arrive while the list is
   * on its way are newer than it and win: a member who connected meanwhile is not marked
   * offline by a list made before they came. If the list fails, the updates keep presence.
   */
  async refresh(): Promise<void> {
    const newer = new Map<string, boolean>();
    this.presenceWhileListing.add(newer);
    let listed: string[];
    try {
      listed = (await this.connection.request('presence:list', {})).online;
    } catch {
      return;
    } finally {
      this.presenceWhileListing.delete(newer);
    }
    const online = new Set(listed);
    for (const [mailbox, isOnline] of newer) {
      if (isOnline) online.add(mailbox);
      else online.delete(mailbox);
    }
    for (const member of this.directory.others) this.setOnline(member, online.has(member.mailbox));
  }

  /** Records a member's presence; tells listeners when it changed. */
  private setOnline(member: Contact, online: boolean): void {
    if (this.online.has(member.mailbox) === online) return;
    if (online) this.online.add(member.mailbox);
    else this.online.delete(member.mailbox);
    this.onChange({ member, online });
  }
}
