/**
 * Members' devices (PROTOCOL.md §7.5, §10.3 device:*): for each device its mailbox, its
 * member-signed record and its current prekey bundles, all opaque to the relay. A member
 * publishes and removes only its own devices (the caller passes the authenticated member);
 * a removed device keeps a row without record or prekeys, so it stays refused.
 */
import { CircleError, ErrorCode, MAX_DEVICES_PER_MEMBER, MAX_DEVICE_ROWS_PER_MEMBER, deviceMailbox } from '@circle/protocol';
import type { PrismaClient } from './generated/client.js';
import { assertDeviceId, assertMailbox, assertValidDate } from './input-checks.js';

export interface PublishedPrekey {
  bundle: Uint8Array;
  expiresAt: Date;
}

export interface DevicePublication {
  member: string;
  deviceId: string;
  record: Uint8Array;
  prekeys: PublishedPrekey[];
}

export interface StoredDevice {
  deviceId: string;
  mailbox: string;
  record: Uint8Array;
  /** Unexpired bundles, in the order the device published them. */
  prekeys: { bundle: Uint8Array; expiresAt: number }[];
}

export class DeviceStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Adds a device or replaces its record and prekey set. `added` is true for a new device.
   * Forbidden when the device was removed; QuotaExceeded beyond the per-member caps.
   */
  async publish(p: DevicePublication): Promise<{ mailbox: string; added: boolean }> {
    assertMailbox(p.member, 'device:publish');
    assertDeviceId(p.deviceId, 'device:publish');
    for (const k of p.prekeys) assertValidDate(k.expiresAt, 'expiresAt', 'device:publish');
    const mailbox = deviceMailbox(p.member, p.deviceId);
    return this.prisma.$transaction(async (tx) => {
      // Serialises concurrent publishes of one member, so the caps below hold across nodes.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${p.member}))`;
      const existing = await tx.device.findUnique({ where: { mailbox }, select: { removed: true } });
      if (existing?.removed)
        throw new CircleError(
          ErrorCode.Forbidden,
          'device:publish',
          'this device was removed from your devices: it can no longer receive messages',
        );
      if (!existing) {
        const [active, rows] = await Promise.all([
          tx.device.count({ where: { member: p.member, removed: false } }),
          tx.device.count({ where: { member: p.member } }),
        ]);
        if (active >= MAX_DEVICES_PER_MEMBER)
          throw new CircleError(
            ErrorCode.QuotaExceeded,
            'device:publish',
            `you already have ${MAX_DEVICES_PER_MEMBER} devices: remove one in Settings on another device`,
          );
        if (rows >= MAX_DEVICE_ROWS_PER_MEMBER)
          throw new CircleError(
            ErrorCode.QuotaExceeded,
            'device:publish',
            'too many devices were added to this identity: ask your operator',
          );
      }
      const record = new Uint8Array(p.record);
      await tx.device.upsert({
        where: { mailbox },
        create: { mailbox, member: p.member, deviceId: p.deviceId, record },
        update: { record },
        select: { mailbox: true },
      });
      await tx.prekey.deleteMany({ where: { deviceMailbox: mailbox } });
      await tx.prekey.createMany({
        data: p.prekeys.map((k, slot) => ({ deviceMailbox: mailbox, slot, bundle: new Uint8Array(k.bundle), expiresAt: k.expiresAt })),
      });
      return { mailbox, added: !existing };
    });
  }

  /** A member's devices that are not removed, with their unexpired prekey bundles. */
  async list(member: string): Promise<StoredDevice[]> {
    assertMailbox(member, 'device:list');
    const rows = await this.prisma.device.findMany({
      where: { member, removed: false },
      orderBy: { mailbox: 'asc' },
      select: {
        deviceId: true,
        mailbox: true,
        record: true,
        prekeys: { where: { expiresAt: { gt: this.now() } }, orderBy: { slot: 'asc' }, select: { bundle: true, expiresAt: true } },
      },
    });
    return rows.map((r) => ({
      deviceId: r.deviceId,
      mailbox: r.mailbox,
      record: r.record ?? new Uint8Array(0),
      prekeys: r.prekeys.map((k) => ({ bundle: k.bundle, expiresAt: k.expiresAt.getTime() })),
    }));
  }

  /**
   * Removes one of `member`'s devices: its record, prekeys and every blob waiting in its
   * mailbox go; the row stays as a tombstone. Returns the device mailbox, or null if unknown.
   */
  async remove(member: string, deviceId: string): Promise<string | null> {
    assertMailbox(member, 'device:remove');
    assertDeviceId(deviceId, 'device:remove');
    const mailbox = deviceMailbox(member, deviceId);
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.device.updateMany({ where: { mailbox, member, removed: false }, data: { removed: true, record: null } });
      if (count === 0) return null;
      await tx.prekey.deleteMany({ where: { deviceMailbox: mailbox } });
      await tx.blob.deleteMany({ where: { mailbox } });
      // Its quota goes with its blobs (mailbox_usage, see quota-sql.ts).
      await tx.$executeRaw`DELETE FROM mailbox_usage WHERE mailbox = ${mailbox}`;
      return mailbox;
    });
  }

  /** Device mailbox -> member mailbox, for every device not removed. */
  async activeDevices(): Promise<Map<string, string>> {
    const rows = await this.prisma.device.findMany({ where: { removed: false }, select: { mailbox: true, member: true } });
    return new Map(rows.map((r) => [r.mailbox, r.member]));
  }

  /** The member owning a device mailbox that is not removed; null otherwise. */
  async memberOf(mailbox: string): Promise<string | null> {
    assertMailbox(mailbox, 'device:member-of');
    const row = await this.prisma.device.findFirst({ where: { mailbox, removed: false }, select: { member: true } });
    return row?.member ?? null;
  }
}
