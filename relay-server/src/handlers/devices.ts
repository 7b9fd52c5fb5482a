/**
 * device:publish, device:list, device:remove: members' devices and their signed prekeys.
 * Records and bundles are opaque, signed by the member's keys: the relay checks sizes and
 * that a member publishes only under its own identity, and serves them; members verify them
 * against their pinned roster (PROTOCOL.md §7.5). A socket that publishes a device becomes
 * that device: it joins the device's mailbox room, and its mailbox requests use that mailbox.
 */
import {
  CircleError,
  ErrorCode,
  MAX_DEVICE_RECORD_BYTES,
  MAX_PREKEY_BUNDLE_BYTES,
  MAX_PREKEY_LIFETIME_MS,
  fromBase64Url,
  toBase64Url,
} from '@circle/protocol';
import { mailboxRoom, type Handler, type RelayParts, type RelaySocket } from './context.js';

/** Publishes and removals per member: a device publishes on connect and when it rotates prekeys. */
export const DEVICE_CHANGES_PER_MINUTE = 20;
export const DEVICE_CHANGE_BURST = 10;
/** Device lists per member: senders cache them, and list again when a bundle nears expiry. */
export const DEVICE_LISTS_PER_MINUTE = 600;
export const DEVICE_LIST_BURST = 200;

/** The mailbox a socket's requests read: its device's once it published one, else its member's. */
export const inboxOf = (socket: RelaySocket): string => socket.data.device?.mailbox ?? socket.data.mailbox;

function decodeBounded(text: string, maxBytes: number, field: string): Uint8Array {
  const bytes = fromBase64Url(text);
  if (bytes.length === 0 || bytes.length > maxBytes)
    throw new CircleError(ErrorCode.BadRequest, 'device:publish', `${field} must be 1-${maxBytes} bytes (got ${bytes.length})`);
  return bytes;
}

export const publishDevice: Handler<'device:publish'> = async (p, socket, parts) => {
  if (socket.data.device && socket.data.device.id !== p.deviceId)
    throw new CircleError(ErrorCode.Conflict, 'device:publish', 'this connection already speaks for another device');
  const now = parts.clock();
  const record = decodeBounded(p.record, MAX_DEVICE_RECORD_BYTES, 'record');
  const prekeys = p.prekeys.map((k, i) => {
    if (k.expiresAt <= now || k.expiresAt > now + MAX_PREKEY_LIFETIME_MS)
      throw new CircleError(
        ErrorCode.BadRequest,
        'device:publish',
        `prekeys.${i}.expiresAt must be in the future and at most ${MAX_PREKEY_LIFETIME_MS / 86_400_000} days ahead`,
      );
    return { bundle: decodeBounded(k.bundle, MAX_PREKEY_BUNDLE_BYTES, `prekeys.${i}.bundle`), expiresAt: new Date(k.expiresAt) };
  });
  // Checked after the cheap checks above: the limit guards the database work below.
  if (!parts.deviceLimits.take(socket.data.keyHash))
    throw new CircleError(ErrorCode.RateLimited, 'device:publish', 'publishing devices too often: wait a minute');
  const member = socket.data.mailbox;
  const { mailbox, added } = await parts.devices.publish({ member, deviceId: p.deviceId, record, prekeys });
  socket.data.device = { id: p.deviceId, mailbox };
  await socket.join(mailboxRoom(mailbox));
  if (added) parts.io.emit('device:changed', { member });
  return { mailbox, added };
};

export const listDevices: Handler<'device:list'> = async (p, socket, parts) => {
  if (!parts.deviceListLimits.take(socket.data.keyHash))
    throw new CircleError(ErrorCode.RateLimited, 'device:list', 'asking for devices too often: wait a moment');
  if (!(await parts.members.has(p.member)))
    throw new CircleError(ErrorCode.NotMember, 'device:list', 'that mailbox is not an active member of this circle');
  const devices = await parts.devices.list(p.member);
  return {
    devices: devices.map((d) => ({
      deviceId: d.deviceId,
      mailbox: d.mailbox,
      record: toBase64Url(d.record),
      prekeys: d.prekeys.map((k) => ({ bundle: toBase64Url(k.bundle), expiresAt: k.expiresAt })),
    })),
  };
};

export const removeDevice: Handler<'device:remove'> = async (p, socket, parts) => {
  if (!parts.deviceLimits.take(socket.data.keyHash))
    throw new CircleError(ErrorCode.RateLimited, 'device:remove', 'changing devices too often: wait a minute');
  if (socket.data.device?.id === p.deviceId)
    throw new CircleError(ErrorCode.BadRequest, 'device:remove', 'this is the device you are using: remove it from another device');
  const member = socket.data.mailbox;
  const mailbox = await parts.devices.remove(member, p.deviceId);
  if (!mailbox) return { removed: false };
  forgetRemovedDevice(parts, mailbox);
  if (parts.clustered) parts.io.serverSideEmit('device:removed', { mailbox });
  // Its connections (on every node) go; when they come back, publishing is refused.
  parts.io.in(mailboxRoom(mailbox)).disconnectSockets(true);
  parts.io.emit('device:changed', { member });
  return { removed: true };
};

/**
 * A device was removed (here or on another node): its mailbox takes no more blobs or signals.
 * Its emptied mailbox's quota is freed by the database as its rows go (mailbox_usage trigger).
 */
export function forgetRemovedDevice(parts: RelayParts, mailbox: string): void {
  parts.members.forgetDevice(mailbox);
}
