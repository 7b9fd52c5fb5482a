/**
 * Each device of a member has its own mailbox (PROTOCOL.md §7.5), so removing a device stops
 * delivery to it. The address hashes the member's mailbox and the device id, so no member can
 * pick a device id whose mailbox is another member's.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, toHex, utf8Encode } from './bytes.js';
import { LABEL } from './labels.js';

/** A device id: 16 bytes as 32 lowercase hex digits. */
export const DEVICE_ID_PATTERN = /^[0-9a-f]{32}$/;

/** hex(SHA-256("circle/v2/device-mailbox" || ASCII(memberMailbox) || ASCII(deviceId))[0..16)). */
export const deviceMailbox = (memberMailbox: string, deviceId: string): string =>
  toHex(sha256(concatBytes(LABEL.deviceMailbox, utf8Encode(memberMailbox), utf8Encode(deviceId))).subarray(0, 16));
