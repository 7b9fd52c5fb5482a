/**
 * Who may connect: members' key hashes (never the keys), each with the mailbox its blobs
 * wait in. Revocation is permanent: re-seeding never brings a revoked key back.
 */
import { CircleError, ErrorCode, mailboxAddressFromKeyHash } from '@circle/protocol';
import type { PrismaClient } from './generated/client.js';
import { assertKeyHash, assertMailbox } from './input-checks.js';

export interface AllowlistSeed {
  keyHash: string;
  mailbox: string;
}

export interface AllowlistStatus {
  mailbox: string;
  revoked: boolean;
}

export class Allowlist {
  constructor(private readonly prisma: PrismaClient) {}

  /** Adds entries not yet present; existing ones (revoked or not) stay as they are. */
  async seed(entries: AllowlistSeed[]): Promise<{ added: number }> {
    for (const e of entries) {
      assertKeyHash(e.keyHash, 'allowlist:seed');
      // A mailbox that does not derive from its key would strand that member's mail.
      if (e.mailbox !== mailboxAddressFromKeyHash(e.keyHash)) {
        throw new CircleError(
          ErrorCode.BadRequest,
          'allowlist:seed',
          'an entry’s mailbox does not match its key hash (use mailboxAddressFromKeyHash)',
        );
      }
    }
    if (entries.length === 0) return { added: 0 };
    const { count } = await this.prisma.allowlistEntry.createMany({
      data: entries.map(({ keyHash, mailbox }) => ({ keyHash, mailbox })),
      skipDuplicates: true,
    });
    return { added: count };
  }

  async lookup(keyHash: string): Promise<AllowlistStatus | null> {
    assertKeyHash(keyHash, 'allowlist:lookup');
    return this.prisma.allowlistEntry.findUnique({ where: { keyHash }, select: { mailbox: true, revoked: true } });
  }

  /** True when the mailbox belongs to a member who is on the list and not revoked. */
  async isActiveMailbox(mailbox: string): Promise<boolean> {
    assertMailbox(mailbox, 'allowlist:is-active');
    const entry = await this.prisma.allowlistEntry.findFirst({ where: { mailbox, revoked: false }, select: { keyHash: true } });
    return entry !== null;
  }

  /** Revokes a key; true when the key is on the list (revoked now or before), false when unknown. */
  async revoke(keyHash: string): Promise<boolean> {
    assertKeyHash(keyHash, 'allowlist:revoke');
    const { count } = await this.prisma.allowlistEntry.updateMany({ where: { keyHash }, data: { revoked: true } });
    return count > 0;
  }

  /** Mailboxes of members not revoked, sorted. */
  async activeMailboxes(): Promise<string[]> {
    const rows = await this.prisma.allowlistEntry.findMany({
      where: { revoked: false },
      orderBy: { mailbox: 'asc' },
      select: { mailbox: true },
    });
    return rows.map((r) => r.mailbox);
  }
}
