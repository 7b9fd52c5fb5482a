/**
 * The roster: every member's name and public keys, the circle id and the relay URL,
 * signed by the operator's Ed25519 key. Clients pin it: the relay can never add or
 * swap a key. Byte layout in docs/PROTOCOL.md §3.2.
 *
 * @example
 *   const roster = await signRoster({ operatorSeed, relayUrl, members });
 *   const same = await decodeRoster(encodeRoster(roster)); // verifies the signature
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ByteReader, concatBytes, equalBytes, u64, utf8Decode, utf8Encode } from './bytes.js';
import { nativeSuite } from './crypto/native.js';
import { KEY_BYTES, SIGNATURE_BYTES, type CryptoSuite } from './crypto/suite.js';
import { CircleError, ErrorCode } from './errors.js';
import { LABEL } from './labels.js';

export const ROSTER_VERSION = 1;
export const CIRCLE_ID_BYTES = 16;
export const MAX_MEMBERS = 255;
export const MAX_NAME_BYTES = 64;
export const MAX_RELAY_URL_BYTES = 512;

export interface Member {
  name: string;
  x25519PublicKey: Uint8Array;
  ed25519PublicKey: Uint8Array;
}

export interface Roster {
  operatorPublicKey: Uint8Array;
  circleId: Uint8Array;
  relayUrl: string;
  issuedAt: bigint;
  members: Member[];
  signature: Uint8Array;
}

/** The circle id is derived from the operator key, so a re-signed roster is a different circle. */
export function deriveCircleId(operatorPublicKey: Uint8Array): Uint8Array {
  return sha256(concatBytes(LABEL.circleId, operatorPublicKey)).subarray(0, CIRCLE_ID_BYTES);
}

/** Checks a display name: 1-64 UTF-8 bytes, no control characters. */
export function validateMemberName(name: string): string | undefined {
  const bytes = utf8Encode(name);
  if (bytes.length < 1 || bytes.length > MAX_NAME_BYTES) return `name must be 1-${MAX_NAME_BYTES} bytes of UTF-8`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(name))
    return 'name must not contain control or text-direction characters';
  if (name.trim() !== name) return 'name must not start or end with spaces';
  return undefined;
}

/** Validates a relay URL: http(s) only, no credentials, no fragment. */
export function validateRelayUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'relay URL is not a valid URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'relay URL must start with https:// or http://';
  if (parsed.username || parsed.password) return 'relay URL must not contain credentials';
  if (parsed.hash) return 'relay URL must not contain a #fragment';
  if (parsed.pathname !== '/' || parsed.search) return 'relay URL must be just scheme, host and port (no path or query)';
  if (utf8Encode(url).length > MAX_RELAY_URL_BYTES) return 'relay URL is too long';
  return undefined;
}

function rosterText(bytes: Uint8Array): string {
  try {
    return utf8Decode(bytes, 'roster');
  } catch {
    throw new CircleError(ErrorCode.IdentityMalformed, 'roster', 'the roster holds text that is not valid UTF-8');
  }
}

function tampered(message: string): CircleError {
  return new CircleError(ErrorCode.IdentityTampered, 'roster', message);
}
function truncated(): CircleError {
  return new CircleError(ErrorCode.IdentityTruncated, 'roster', 'the identity file is truncated (roster ends early)');
}

function encodeUnsigned(r: Omit<Roster, 'signature'>): Uint8Array {
  const url = utf8Encode(r.relayUrl);
  const parts: Uint8Array[] = [
    Uint8Array.of(ROSTER_VERSION),
    r.operatorPublicKey,
    r.circleId,
    Uint8Array.of(url.length >> 8, url.length & 0xff),
    url,
    u64(r.issuedAt),
    Uint8Array.of(r.members.length),
  ];
  for (const m of r.members) {
    const name = utf8Encode(m.name);
    parts.push(Uint8Array.of(name.length), name, m.x25519PublicKey, m.ed25519PublicKey);
  }
  return concatBytes(...parts);
}

export function encodeRoster(roster: Roster): Uint8Array {
  return concatBytes(encodeUnsigned(roster), roster.signature);
}

export interface SignRosterInput {
  operatorSeed: Uint8Array;
  relayUrl: string;
  members: Member[];
  issuedAt?: bigint;
}

export async function signRoster(input: SignRosterInput, suite: CryptoSuite = nativeSuite): Promise<Roster> {
  const problem = validateRelayUrl(input.relayUrl);
  if (problem) throw new CircleError(ErrorCode.BadRequest, 'roster', problem);
  if (input.members.length < 1 || input.members.length > MAX_MEMBERS) {
    throw new CircleError(ErrorCode.BadRequest, 'roster', `a circle has 1-${MAX_MEMBERS} members`);
  }
  for (const m of input.members) {
    const p = validateMemberName(m.name);
    if (p) throw new CircleError(ErrorCode.BadRequest, 'roster', `member "${m.name}": ${p}`);
  }
  const operatorPublicKey = await suite.ed25519PublicKey(input.operatorSeed);
  const unsigned = {
    operatorPublicKey,
    circleId: deriveCircleId(operatorPublicKey),
    relayUrl: input.relayUrl,
    issuedAt: input.issuedAt ?? BigInt(Date.now()),
    members: input.members,
  };
  const signature = await suite.ed25519Sign(input.operatorSeed, concatBytes(LABEL.roster, encodeUnsigned(unsigned)));
  return { ...unsigned, signature };
}

/** Parses a roster from the front of `reader` and verifies its operator signature. */
export async function readRoster(reader: ByteReader, suite: CryptoSuite = nativeSuite): Promise<Roster> {
  const start = reader.position;
  const version = reader.u8();
  if (version !== ROSTER_VERSION) throw tampered(`unknown roster version ${version}`);
  const operatorPublicKey = reader.take(KEY_BYTES);
  const circleId = reader.take(CIRCLE_ID_BYTES);
  const relayUrl = rosterText(reader.take(reader.u16()));
  const issuedAt = reader.u64();
  const count = reader.u8();
  if (count < 1) throw tampered('the roster lists no members');
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    const name = rosterText(reader.take(reader.u8()));
    const problem = validateMemberName(name);
    if (problem) throw tampered(`the roster holds an invalid member name (${problem})`);
    members.push({ name, x25519PublicKey: reader.take(KEY_BYTES).slice(), ed25519PublicKey: reader.take(KEY_BYTES).slice() });
  }
  const unsignedLength = reader.position - start;
  const signature = reader.take(SIGNATURE_BYTES).slice();
  const roster: Roster = {
    operatorPublicKey: operatorPublicKey.slice(),
    circleId: circleId.slice(),
    relayUrl,
    issuedAt,
    members,
    signature,
  };
  const unsigned = encodeUnsigned(roster);
  if (unsigned.length !== unsignedLength) throw tampered('the roster is not in canonical form');
  if (!(await suite.ed25519Verify(operatorPublicKey, concatBytes(LABEL.roster, unsigned), signature))) {
    throw tampered("the roster's operator signature does not verify: the file was altered");
  }
  if (!equalBytes(circleId, deriveCircleId(operatorPublicKey))) throw tampered('the circle id does not match the operator key');
  if (validateRelayUrl(relayUrl)) throw tampered('the roster holds an invalid relay URL');
  return roster;
}

export async function decodeRoster(bytes: Uint8Array, suite: CryptoSuite = nativeSuite): Promise<Roster> {
  const reader = new ByteReader(bytes, truncated);
  const roster = await readRoster(reader, suite);
  if (reader.remaining !== 0) throw tampered('unexpected bytes after the roster');
  return roster;
}
