/**
 * Cheap shape checks on values the store writes or compares against typed columns.
 * The relay validates wire input earlier; these keep a caller's slip from surfacing as a
 * database error (a malformed uuid is a Postgres error, not "not found").
 */
import { CircleError, ErrorCode } from '@circle/protocol';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const hexOf = (chars: number): RegExp => new RegExp(`^[0-9a-f]{${chars}}$`);
const HEX_32 = hexOf(32);
const HEX_64 = hexOf(64);

function check(ok: boolean, operation: string, message: string): void {
  if (!ok) throw new CircleError(ErrorCode.BadRequest, operation, message);
}

export const assertBlobId = (id: string, operation: string): void => check(UUID.test(id), operation, 'a blob id must be a UUID');
export const assertMailbox = (mailbox: string, operation: string): void =>
  check(HEX_32.test(mailbox), operation, 'a mailbox address must be 32 lowercase hex characters');
export const assertDeviceId = (id: string, operation: string): void =>
  check(HEX_32.test(id), operation, 'a device id must be 32 lowercase hex characters');
export const assertKeyHash = (keyHash: string, operation: string): void =>
  check(HEX_64.test(keyHash), operation, 'a key hash must be 64 lowercase hex characters');
export const assertDeleteProofHash = (hash: string, operation: string): void =>
  check(HEX_64.test(hash), operation, 'a delete-proof hash must be 64 lowercase hex characters');
export const assertPositiveInteger = (n: number, name: string, operation: string): void =>
  check(Number.isSafeInteger(n) && n > 0, operation, `${name} must be a positive integer`);
export const assertValidDate = (d: Date, name: string, operation: string): void =>
  check(d instanceof Date && !Number.isNaN(d.getTime()), operation, `${name} must be a valid date`);
