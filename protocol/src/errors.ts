/**
 * One error vocabulary for relay and clients. The relay sends `{ code, message }`,
 * never a stack trace; clients show `message` to a person and branch on `code`.
 *
 * @example
 *   throw new CircleError(ErrorCode.BlobSize, 'blob:put', 'a blob must be exactly 65536 bytes');
 */
export enum ErrorCode {
  // Generic input and transport
  BadRequest = 'BadRequest',
  Internal = 'Internal',
  Unavailable = 'Unavailable',
  Timeout = 'Timeout',
  // Relay authentication
  NotAuthenticated = 'NotAuthenticated',
  NotAllowlisted = 'NotAllowlisted',
  Revoked = 'Revoked',
  ChallengeInvalid = 'ChallengeInvalid',
  OriginMismatch = 'OriginMismatch',
  BadSignature = 'BadSignature',
  // Relay operations
  BlobSize = 'BlobSize',
  NotMember = 'NotMember',
  NotFound = 'NotFound',
  Forbidden = 'Forbidden',
  RateLimited = 'RateLimited',
  QuotaExceeded = 'QuotaExceeded',
  Conflict = 'Conflict',
  // Identity file
  IdentityTruncated = 'IdentityTruncated',
  IdentityNotCircle = 'IdentityNotCircle',
  IdentityVersion = 'IdentityVersion',
  IdentityCorrupted = 'IdentityCorrupted',
  IdentityTampered = 'IdentityTampered',
  IdentityMalformed = 'IdentityMalformed',
  PassphraseRequired = 'PassphraseRequired',
  WrongPassphrase = 'WrongPassphrase',
  // Envelopes and keys
  EnvelopeInvalid = 'EnvelopeInvalid',
  WrongRecipient = 'WrongRecipient',
  UnknownSender = 'UnknownSender',
  Replay = 'Replay',
  BadPublicKey = 'BadPublicKey',
  PayloadTooLarge = 'PayloadTooLarge',
  IntegrityFailure = 'IntegrityFailure',
  // Devices and prekeys (v2)
  DeviceInvalid = 'DeviceInvalid',
  PrekeyInvalid = 'PrekeyInvalid',
}

/** What an error looks like on the wire and across IPC: data only, no stack. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export class CircleError extends Error {
  override readonly name = 'CircleError';
  constructor(
    readonly code: ErrorCode,
    readonly operation: string,
    message: string,
  ) {
    super(message);
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** Results for boundaries where throwing is wrong (IPC, acks, worker messages). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string): Result<never> => ({
  ok: false,
  error: { code, message },
});

/** Turns anything thrown into wire-safe error data; unknown errors become a vague Internal. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof CircleError) return err.toInfo();
  return { code: ErrorCode.Internal, message: 'internal error' };
}

const ERROR_CODES = new Set<string>(Object.values(ErrorCode));
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODES.has(value);
}
