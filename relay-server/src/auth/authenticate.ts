/**
 * The Socket.IO handshake check (docs/PROTOCOL.md §7, §10): runs in `io.use()` before any
 * event is served. A member proves possession of an allowlisted, unrevoked Ed25519 key by
 * signing a fresh challenge bound to this relay's origin.
 */
import type { ExtendedError, Socket } from 'socket.io';
import {
  AuthPayload,
  CircleError,
  ErrorCode,
  fromBase64Url,
  keyHash,
  parseWith,
  toErrorInfo,
  verifyRelayChallenge,
} from '@circle/protocol';
import type { Allowlist } from '../store/index.js';
import { retryableDatabaseError } from '../store/db-errors.js';
import type { ChallengeStore } from './challenges.js';

export interface SocketIdentity {
  keyHash: string;
  /** The member's mailbox (presence, call rooms, what the member owns). */
  mailbox: string;
  /** Set once the socket published its device (device:publish): the device's own mailbox. */
  device?: { id: string; mailbox: string };
}

export interface AuthenticateDeps {
  challenges: ChallengeStore;
  allowlist: Allowlist;
  origin: () => string;
  onFailure: (code: ErrorCode) => void;
}

/**
 * Checks in order of cost, and claims the challenge last: only a handshake that proved an
 * active member's key uses up its challenge, so nobody else's traffic can spend a member's
 * challenge or fill the used set (the stateless checks and the signature come first).
 */
export async function authenticateHandshake(auth: unknown, deps: AuthenticateDeps): Promise<SocketIdentity> {
  const payload = parseWith(AuthPayload, auth, 'auth');
  const challenge = deps.challenges.check(payload.challenge);
  if (!challenge) throw challengeInvalid();
  const proof = { publicKey: fromBase64Url(payload.publicKey), signature: fromBase64Url(payload.signature) };
  if (!(await verifyRelayChallenge(proof, fromBase64Url(payload.challenge), deps.origin()))) {
    throw new CircleError(
      ErrorCode.BadSignature,
      'auth',
      // Names the relay's own address: the commonest cause is an identity file made for another spelling of it.
      `the signature does not verify for this relay (wrong key, or signed for another relay address); this relay's address is ${deps.origin()}`,
    );
  }
  const hash = keyHash(proof.publicKey);
  try {
    const status = await deps.allowlist.lookup(hash);
    if (!status) throw new CircleError(ErrorCode.NotAllowlisted, 'auth', 'this identity is not on the relay allowlist: ask your operator');
    if (status.revoked) throw new CircleError(ErrorCode.Revoked, 'auth', 'this identity has been revoked by the operator');
    const claimed = await deps.challenges.claim(challenge, hash);
    if (claimed === 'used') throw challengeInvalid();
    if (claimed === 'too-many')
      throw new CircleError(ErrorCode.RateLimited, 'auth', 'too many logins with this identity in the last minute: wait a moment');
    return { keyHash: hash, mailbox: status.mailbox };
  } catch (err) {
    throw retryableDatabaseError(err, 'auth');
  }
}

const challengeInvalid = () =>
  new CircleError(ErrorCode.ChallengeInvalid, 'auth', 'the challenge is unknown, expired or already used: fetch a new one');

/** `io.use()` middleware; failures reach the client as connect_error with `data: { code, message }`. */
export function authMiddleware(deps: AuthenticateDeps) {
  return (socket: Socket, next: (err?: ExtendedError) => void) => {
    authenticateHandshake(socket.handshake.auth, deps).then(
      (identity) => {
        Object.assign(socket.data as object, identity);
        next();
      },
      (err: unknown) => {
        const info = toErrorInfo(err);
        deps.onFailure(info.code);
        const error: ExtendedError = Object.assign(new Error(info.message), { data: info });
        next(error);
        // A refused socket gets its answer, then its transport is closed.
        setTimeout(() => socket.conn.close(), 50).unref();
      },
    );
  };
}
