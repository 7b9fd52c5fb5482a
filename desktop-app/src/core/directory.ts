/** The pinned roster, indexed the ways the client needs: by key, by mailbox, by name. */
import { mailboxAddress, toHex, type Identity, type Member } from '@circle/protocol';

export interface Contact extends Member {
  /** Ed25519 public key, hex: the member's stable id in content and in the UI. */
  id: string;
  mailbox: string;
  isMe: boolean;
}

export class Directory {
  readonly contacts: Contact[];
  readonly me: Contact;
  private readonly byId = new Map<string, Contact>();
  private readonly byMailbox = new Map<string, Contact>();

  constructor(identity: Identity) {
    this.contacts = identity.roster.members.map((m, i) => ({
      ...m,
      id: toHex(m.ed25519PublicKey),
      mailbox: mailboxAddress(m.ed25519PublicKey),
      isMe: i === identity.memberIndex,
    }));
    for (const c of this.contacts) {
      this.byId.set(c.id, c);
      this.byMailbox.set(c.mailbox, c);
    }
    this.me = this.contacts[identity.memberIndex]!;
  }

  get(id: string): Contact | undefined {
    return this.byId.get(id);
  }
  byMailboxAddress(mailbox: string): Contact | undefined {
    return this.byMailbox.get(mailbox);
  }
  byName(name: string): Contact | undefined {
    const lower = name.toLowerCase();
    return this.contacts.find((c) => c.name.toLowerCase() === lower);
  }
  get others(): Contact[] {
    return this.contacts.filter((c) => !c.isMe);
  }
}
