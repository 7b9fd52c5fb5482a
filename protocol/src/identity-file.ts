/**
 * Identity file v1: a member's secret keys plus the operator-signed roster, optionally
 * sealed under a passphrase (scrypt, RFC 7914 + AES-256-GCM). Byte layout in
 * docs/PROTOCOL.md §3. Every way a file can be wrong maps to one ErrorCode and a
 * sentence a person can act on.
 *
 * @example
 *   const bytes = await encodeIdentityFile(identity, { passphrase: 'correct horse' });
 *   const back = await decodeIdentityFile(bytes, { passphrase: 'correct horse' });
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { ByteReader, concatBytes, equalBytes, u32, utf8Encode } from './bytes.js';
import { nativeSuite } from './crypto/native.js';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, KEY_BYTES, type CryptoSuite } from './crypto/suite.js';
import { CircleError, ErrorCode } from './errors.js';
import { encodeRoster, readRoster, type Member, type Roster } from './roster.js';

export const IDENTITY_MAGIC = utf8Encode('CIRCLEID');
export const IDENTITY_VERSION = 1;
export const IDENTITY_FLAG_SEALED = 0x01;
export const CHECKSUM_BYTES = 32;
export const SALT_BYTES = 16;
/** scrypt cost: N = 2^17, r = 8, p = 1 (128 MiB). Files may carry N = 2^14..2^18 with r = 8, p = 1 (at most 256 MiB). */
export const DEFAULT_KDF = { logN: 17, r: 8, p: 1 } as const;
export const KDF_LOG_N_RANGE = [14, 18] as const;
export const MAX_IDENTITY_FILE_BYTES = 64 * 1024;

const HEADER_BYTES = 8 + 1 + 1 + 4;
const SEAL_PARAMS_BYTES = 3 + SALT_BYTES + GCM_NONCE_BYTES;

export interface KdfParams {
  logN: number;
  r: number;
  p: number;
}

export interface IdentitySecrets {
  x25519SecretKey: Uint8Array;
  ed25519Seed: Uint8Array;
}

export interface Identity extends IdentitySecrets {
  memberIndex: number;
  roster: Roster;
}

/** The member this identity belongs to. */
export const selfMember = (identity: Identity): Member => identity.roster.members[identity.memberIndex]!;

const err = (code: ErrorCode, message: string) => new CircleError(code, 'identity-file', message);
const truncatedError = () => err(ErrorCode.IdentityTruncated, 'the identity file is truncated: ask the operator for a fresh copy');

function encodeBody(identity: Identity): Uint8Array {
  return concatBytes(identity.x25519SecretKey, identity.ed25519Seed, Uint8Array.of(identity.memberIndex), encodeRoster(identity.roster));
}

async function deriveSealKey(passphrase: string, salt: Uint8Array, kdf: KdfParams): Promise<Uint8Array> {
  return scryptAsync(utf8Encode(passphrase.normalize('NFKC')), salt, { N: 2 ** kdf.logN, r: kdf.r, p: kdf.p, dkLen: 32, maxmem: 2 ** 30 });
}

export interface EncodeIdentityOptions {
  passphrase?: string;
  kdf?: KdfParams;
}

export async function encodeIdentityFile(
  identity: Identity,
  options: EncodeIdentityOptions = {},
  suite: CryptoSuite = nativeSuite,
): Promise<Uint8Array> {
  const body = encodeBody(identity);
  const sealed = options.passphrase !== undefined;
  const flags = sealed ? IDENTITY_FLAG_SEALED : 0;
  let sealParams: Uint8Array = new Uint8Array(0);
  let payload: Uint8Array = body;
  const totalLength = HEADER_BYTES + (sealed ? SEAL_PARAMS_BYTES + body.length + GCM_TAG_BYTES : body.length) + CHECKSUM_BYTES;
  const header = concatBytes(IDENTITY_MAGIC, Uint8Array.of(IDENTITY_VERSION, flags), u32(totalLength));
  if (sealed) {
    const kdf = options.kdf ?? DEFAULT_KDF;
    if (options.passphrase!.length === 0) throw err(ErrorCode.BadRequest, 'the passphrase must not be empty');
    const salt = suite.randomBytes(SALT_BYTES);
    const nonce = suite.randomBytes(GCM_NONCE_BYTES);
    sealParams = concatBytes(Uint8Array.of(kdf.logN, kdf.r, kdf.p), salt, nonce);
    const key = await deriveSealKey(options.passphrase!, salt, kdf);
    payload = await suite.aesGcmSeal(key, nonce, body, concatBytes(header, sealParams));
  }
  const unchecked = concatBytes(header, sealParams, payload);
  return concatBytes(unchecked, await suite.sha256(unchecked));
}

/** Reads only the header: whether the file is a Circle identity and whether it needs a passphrase. */
export function peekIdentityFile(bytes: Uint8Array): { sealed: boolean } {
  if (bytes.length < IDENTITY_MAGIC.length || !equalBytes(bytes.subarray(0, IDENTITY_MAGIC.length), IDENTITY_MAGIC)) {
    throw err(ErrorCode.IdentityNotCircle, 'this is not a Circle identity file');
  }
  if (bytes.length < HEADER_BYTES) throw truncatedError();
  const version = bytes[8]!;
  if (version !== IDENTITY_VERSION) {
    throw err(
      ErrorCode.IdentityVersion,
      `identity file version ${version} is not supported by this app (it reads version ${IDENTITY_VERSION})`,
    );
  }
  const flags = bytes[9]!;
  if ((flags & ~IDENTITY_FLAG_SEALED) !== 0) throw err(ErrorCode.IdentityMalformed, 'the identity file has unknown flags set');
  return { sealed: (flags & IDENTITY_FLAG_SEALED) !== 0 };
}

export interface DecodeIdentityOptions {
  passphrase?: string;
}

export async function decodeIdentityFile(
  bytes: Uint8Array,
  options: DecodeIdentityOptions = {},
  suite: CryptoSuite = nativeSuite,
): Promise<Identity> {
  if (bytes.length > MAX_IDENTITY_FILE_BYTES) throw err(ErrorCode.IdentityMalformed, 'the file is far too large to be an identity file');
  const { sealed } = peekIdentityFile(bytes);
  const declared = new DataView(bytes.buffer, bytes.byteOffset + 10, 4).getUint32(0, false);
  if (bytes.length < declared) throw truncatedError();
  if (bytes.length > declared) throw err(ErrorCode.IdentityCorrupted, 'the identity file has extra bytes at the end: it is damaged');
  if (declared < HEADER_BYTES + CHECKSUM_BYTES) throw truncatedError();
  const unchecked = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  if (!equalBytes(await suite.sha256(unchecked), bytes.subarray(bytes.length - CHECKSUM_BYTES))) {
    throw err(ErrorCode.IdentityCorrupted, 'the identity file is damaged (checksum mismatch): ask the operator for a fresh copy');
  }
  const reader = new ByteReader(unchecked, truncatedError);
  reader.take(HEADER_BYTES);
  let body: Uint8Array;
  if (sealed) {
    if (options.passphrase === undefined) throw err(ErrorCode.PassphraseRequired, 'this identity file is protected by a passphrase');
    const [logN, r, p] = [reader.u8(), reader.u8(), reader.u8()];
    if (logN < KDF_LOG_N_RANGE[0] || logN > KDF_LOG_N_RANGE[1] || r !== DEFAULT_KDF.r || p !== DEFAULT_KDF.p) {
      throw err(ErrorCode.IdentityMalformed, 'the identity file asks for key-derivation settings this app does not accept');
    }
    const salt = reader.take(SALT_BYTES);
    const nonce = reader.take(GCM_NONCE_BYTES);
    const aad = unchecked.subarray(0, reader.position);
    const key = await deriveSealKey(options.passphrase, salt, { logN, r, p }).catch(() => {
      throw err(ErrorCode.IdentityMalformed, 'the identity file asks for key-derivation settings this app cannot run');
    });
    try {
      body = await suite.aesGcmOpen(key, nonce, reader.take(reader.remaining), aad);
    } catch {
      throw err(ErrorCode.WrongPassphrase, 'wrong passphrase for this identity file');
    }
  } else {
    body = reader.take(reader.remaining);
  }
  return decodeBody(body, suite);
}

async function decodeBody(body: Uint8Array, suite: CryptoSuite): Promise<Identity> {
  const reader = new ByteReader(body, truncatedError);
  const x25519SecretKey = reader.take(KEY_BYTES).slice();
  const ed25519Seed = reader.take(KEY_BYTES).slice();
  const memberIndex = reader.u8();
  const roster = await readRoster(reader, suite);
  if (reader.remaining !== 0) throw err(ErrorCode.IdentityMalformed, 'unexpected bytes after the roster');
  const self = roster.members[memberIndex];
  if (!self) throw err(ErrorCode.IdentityTampered, 'the identity names a member who is not on the roster');
  const [xPub, edPub] = await Promise.all([suite.x25519PublicKey(x25519SecretKey), suite.ed25519PublicKey(ed25519Seed)]);
  if (!equalBytes(xPub, self.x25519PublicKey) || !equalBytes(edPub, self.ed25519PublicKey)) {
    throw err(ErrorCode.IdentityTampered, "the secret keys do not match this member's keys on the signed roster");
  }
  return { x25519SecretKey, ed25519Seed, memberIndex, roster };
}
