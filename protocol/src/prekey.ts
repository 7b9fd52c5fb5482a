/**
 * Signed hybrid prekeys (docs/PROTOCOL.md §15.2). Each device holds one prekey per UTC day
 * ("epoch" e = floor(ms / 86,400,000)): an X25519 key and an ML-KEM-768 key, signed by the
 * device's Ed25519 key. Senders seal to the prekey of the current epoch (§5.2); the device
 * erases a prekey's secrets once nothing the relay can still hold was sealed to it, which is
 * what bounds how far back a copy of the device's state reaches (forward secrecy).
 *
 *   record = 0x01 || deviceId 16 || u32(epoch) || X25519 32 || ML-KEM-768 ek 1184 || sig 64
 *   sig    = Ed25519.sign(device seed, 'circle/v2/prekey-record' || record[0..1237))
 *
 * Timeline of epoch e (all times UTC, skew s = PREKEY_CLOCK_SKEW_MS):
 *   published      from e − PREKEYS_AHEAD days (a device publishes today and the next 3)
 *   sealed to      while the sender's clock is in [start(e) − s, end(e) + s)
 *   secrets erased at end(e) + MAX_BLOB_LIFETIME_MS + 3s  (= start(e) + 5 days + 3 hours)
 *
 * @example
 *   let { held, publish } = await rotatePrekeys(device, [], Date.now()); // app keeps `held`, relay gets `publish`
 *   const prekey = prekeyForSending(await Promise.all(bundles.map((b) => verifyPrekey(b, bobDevice))), Date.now());
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ByteReader, concatBytes, equalBytes, isAllZero, u32 } from './bytes.js';
import { ML_KEM_PUBLIC_KEY_BYTES, ML_KEM_SEED_BYTES, isMlKemPublicKey, mlKemKeyPair } from './crypto/ml-kem.js';
import { nativeSuite } from './crypto/native.js';
import { KEY_BYTES, SIGNATURE_BYTES, type CryptoSuite } from './crypto/suite.js';
import { DEVICE_ID_BYTES, type DeviceRecord, type DeviceSecrets } from './device.js';
import { CircleError, ErrorCode } from './errors.js';
import { DAY_MS, EXPIRY_JITTER_MS, RETENTION_MS } from './expiry.js';
import { LABEL } from './labels.js';

export const PREKEY_RECORD_VERSION = 0x01;
const UNSIGNED_BYTES = 1 + DEVICE_ID_BYTES + 4 + KEY_BYTES + ML_KEM_PUBLIC_KEY_BYTES;
export const PREKEY_RECORD_BYTES = UNSIGNED_BYTES + SIGNATURE_BYTES;
export const PREKEY_EPOCH_MS = DAY_MS;
/** Epochs a device publishes beyond today: senders reach a device offline for up to this many days. */
export const PREKEYS_AHEAD = 3;
/** Clock difference tolerated between a sender, the relay and a recipient. */
export const PREKEY_CLOCK_SKEW_MS = 3_600_000;
/** Longest a blob can stay on the relay: put at `t`, it expires before startOfUtcDay(t) + 4 days (§8). */
export const MAX_BLOB_LIFETIME_MS = RETENTION_MS + EXPIRY_JITTER_MS;

export interface SignedPrekey {
  deviceId: Uint8Array;
  epoch: number;
  x25519PublicKey: Uint8Array;
  mlKemPublicKey: Uint8Array;
  signature: Uint8Array;
}

/** A prekey's secrets, kept by its device until `prekeyEraseAt(epoch)`. */
export interface PrekeySecret {
  record: SignedPrekey;
  x25519SecretKey: Uint8Array;
  /** The 64-byte ML-KEM seed (d || z): the compact form that is saved. */
  mlKemSeed: Uint8Array;
  /** The expanded 2,400-byte decapsulation key, derived from the seed. */
  mlKemSecretKey: Uint8Array;
}

export const prekeyEpoch = (nowMs: number): number => Math.floor(nowMs / PREKEY_EPOCH_MS);
export const epochStart = (epoch: number): number => epoch * PREKEY_EPOCH_MS;
export const epochEnd = (epoch: number): number => (epoch + 1) * PREKEY_EPOCH_MS;
/** When the device MUST have erased epoch `epoch`'s secrets: no blob sealed to it can be held any more. */
export const prekeyEraseAt = (epoch: number): number => epochEnd(epoch) + MAX_BLOB_LIFETIME_MS + 3 * PREKEY_CLOCK_SKEW_MS;

const invalid = (message: string) => new CircleError(ErrorCode.PrekeyInvalid, 'prekey', message);

function encodeUnsigned(p: Omit<SignedPrekey, 'signature'>): Uint8Array {
  return concatBytes(Uint8Array.of(PREKEY_RECORD_VERSION), p.deviceId, u32(p.epoch), p.x25519PublicKey, p.mlKemPublicKey);
}

export const encodePrekey = (p: SignedPrekey): Uint8Array => concatBytes(encodeUnsigned(p), p.signature);

/** Builds and signs the prekey of `epoch` from given secrets. `generatePrekey` draws them at random. */
export async function buildPrekey(
  device: DeviceSecrets,
  epoch: number,
  secrets: { x25519SecretKey: Uint8Array; mlKemSeed: Uint8Array },
  suite: CryptoSuite = nativeSuite,
): Promise<PrekeySecret> {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffff_ffff) throw new CircleError(ErrorCode.BadRequest, 'prekey', 'bad epoch');
  const { publicKey: mlKemPublicKey, secretKey: mlKemSecretKey } = mlKemKeyPair(secrets.mlKemSeed);
  const unsigned = {
    deviceId: device.record.deviceId,
    epoch,
    x25519PublicKey: await suite.x25519PublicKey(secrets.x25519SecretKey),
    mlKemPublicKey,
  };
  const signature = await suite.ed25519Sign(device.ed25519Seed, concatBytes(LABEL.prekeyRecord, encodeUnsigned(unsigned)));
  return {
    record: { ...unsigned, signature },
    x25519SecretKey: secrets.x25519SecretKey.slice(),
    mlKemSeed: secrets.mlKemSeed.slice(),
    mlKemSecretKey,
  };
}

export const generatePrekey = (device: DeviceSecrets, epoch: number, suite: CryptoSuite = nativeSuite): Promise<PrekeySecret> =>
  buildPrekey(device, epoch, { x25519SecretKey: suite.randomBytes(KEY_BYTES), mlKemSeed: suite.randomBytes(ML_KEM_SEED_BYTES) }, suite);

/** Parses a prekey record: exact size, version, a usable X25519 key and a well-formed ML-KEM key (FIPS 203 §7.2). */
export function decodePrekey(bytes: Uint8Array): SignedPrekey {
  if (bytes.length !== PREKEY_RECORD_BYTES) throw invalid(`a prekey record is ${PREKEY_RECORD_BYTES} bytes, got ${bytes.length}`);
  const reader = new ByteReader(bytes, () => invalid('the prekey record ends early'));
  const version = reader.u8();
  if (version !== PREKEY_RECORD_VERSION) throw invalid(`unknown prekey record version ${version}`);
  const prekey: SignedPrekey = {
    deviceId: reader.take(DEVICE_ID_BYTES).slice(),
    epoch: reader.u32(),
    x25519PublicKey: reader.take(KEY_BYTES).slice(),
    mlKemPublicKey: reader.take(ML_KEM_PUBLIC_KEY_BYTES).slice(),
    signature: reader.take(SIGNATURE_BYTES).slice(),
  };
  if (isAllZero(prekey.x25519PublicKey)) throw invalid('the prekey has an all-zero X25519 key');
  if (!isMlKemPublicKey(prekey.mlKemPublicKey)) throw invalid('the prekey has a malformed ML-KEM-768 key');
  return prekey;
}

/** A prekey record checked against its (already verified) device record: same device, device's signature. */
export async function verifyPrekey(bytes: Uint8Array, device: DeviceRecord, suite: CryptoSuite = nativeSuite): Promise<SignedPrekey> {
  const prekey = decodePrekey(bytes);
  if (!equalBytes(prekey.deviceId, device.deviceId)) throw invalid('the prekey belongs to another device');
  const signed = concatBytes(LABEL.prekeyRecord, bytes.subarray(0, UNSIGNED_BYTES));
  if (!(await suite.ed25519Verify(device.ed25519PublicKey, signed, prekey.signature))) {
    throw invalid("the prekey's signature does not verify under its device key");
  }
  return prekey;
}

/** True while a sender may seal to `prekey` (its epoch, widened by the clock skew at both ends). */
export const isPrekeyUsable = (prekey: SignedPrekey, nowMs: number): boolean =>
  nowMs >= epochStart(prekey.epoch) - PREKEY_CLOCK_SKEW_MS && nowMs < epochEnd(prekey.epoch) + PREKEY_CLOCK_SKEW_MS;

/**
 * The prekey a sender seals to now: the current epoch's, else a usable neighbour. `undefined`
 * means the device published none that is valid: show "waiting for <name>'s keys", never drop.
 */
export function prekeyForSending(prekeys: readonly SignedPrekey[], nowMs: number): SignedPrekey | undefined {
  const current = prekeyEpoch(nowMs);
  const usable = prekeys.filter((p) => isPrekeyUsable(p, nowMs));
  return usable.find((p) => p.epoch === current) ?? usable[0];
}

/** Likeliest first for opening: the current epoch, then older ones newest first, then future ones. */
function orderForOpening(held: PrekeySecret[], nowMs: number): PrekeySecret[] {
  const current = prekeyEpoch(nowMs);
  const rank = (e: number) => (e <= current ? current - e : 1_000 + e - current);
  return held.sort((a, b) => rank(a.record.epoch) - rank(b.record.epoch));
}

export interface PrekeyRotation {
  /** What the device keeps from now on, likeliest first for opening. */
  held: PrekeySecret[];
  created: PrekeySecret[];
  /** Epochs whose secrets were dropped (the caller MUST overwrite any saved copy). */
  erased: number[];
  /** The records to publish: this epoch and the next PREKEYS_AHEAD. */
  publish: SignedPrekey[];
}

/**
 * The prekey store's one rule, run at start-up and at least hourly: erase every prekey past
 * `prekeyEraseAt`, make any missing prekey for today .. today + PREKEYS_AHEAD, and say what to
 * publish. Pure apart from fresh randomness: the clock is the caller's `nowMs`.
 */
export async function rotatePrekeys(
  device: DeviceSecrets,
  held: readonly PrekeySecret[],
  nowMs: number,
  suite: CryptoSuite = nativeSuite,
): Promise<PrekeyRotation> {
  const current = prekeyEpoch(nowMs);
  const erased: number[] = [];
  const kept = new Map<number, PrekeySecret>();
  for (const p of held) {
    if (nowMs >= prekeyEraseAt(p.record.epoch) || !equalBytes(p.record.deviceId, device.record.deviceId)) {
      p.x25519SecretKey.fill(0);
      p.mlKemSeed.fill(0);
      p.mlKemSecretKey.fill(0);
      erased.push(p.record.epoch);
    } else if (!kept.has(p.record.epoch)) kept.set(p.record.epoch, p);
  }
  const created: PrekeySecret[] = [];
  for (let e = current; e <= current + PREKEYS_AHEAD; e++) {
    if (kept.has(e)) continue;
    const p = await generatePrekey(device, e, suite);
    kept.set(e, p);
    created.push(p);
  }
  const publish = [...kept.values()].filter((p) => p.record.epoch >= current).map((p) => p.record);
  publish.sort((a, b) => a.epoch - b.epoch);
  return { held: orderForOpening([...kept.values()], nowMs), created, erased, publish };
}

const SECRETS_VERSION = 0x01;
const SECRET_ENTRY_BYTES = PREKEY_RECORD_BYTES + KEY_BYTES + ML_KEM_SEED_BYTES;
/** At most today + PREKEYS_AHEAD and the five days before today. */
export const MAX_HELD_PREKEYS = 16;

/**
 * The app's saved prekey secrets: version || count || (record || X25519 secret || ML-KEM seed)* ||
 * SHA-256 of what precedes (the seed's z half is not checkable against the public key). Secret.
 */
export function encodePrekeySecrets(held: readonly PrekeySecret[]): Uint8Array {
  if (held.length > MAX_HELD_PREKEYS) throw new CircleError(ErrorCode.BadRequest, 'prekey', 'too many prekeys to save');
  const body = concatBytes(
    Uint8Array.of(SECRETS_VERSION, held.length),
    ...held.flatMap((p) => [encodePrekey(p.record), p.x25519SecretKey, p.mlKemSeed]),
  );
  return concatBytes(body, sha256(body));
}

/** Inverse of `encodePrekeySecrets`; checks each secret against its record. */
export async function decodePrekeySecrets(bytes: Uint8Array, suite: CryptoSuite = nativeSuite): Promise<PrekeySecret[]> {
  const damaged = () => invalid('the saved prekeys are damaged or from another version');
  if (bytes.length < 2 || bytes[0] !== SECRETS_VERSION || bytes.length !== 2 + bytes[1]! * SECRET_ENTRY_BYTES + 32) throw damaged();
  if (!equalBytes(sha256(bytes.subarray(0, bytes.length - 32)), bytes.subarray(bytes.length - 32))) throw damaged();
  const out: PrekeySecret[] = [];
  for (let i = 0, at = 2; i < bytes[1]!; i++, at += SECRET_ENTRY_BYTES) {
    const record = decodePrekey(bytes.subarray(at, at + PREKEY_RECORD_BYTES));
    const x25519SecretKey = bytes.slice(at + PREKEY_RECORD_BYTES, at + PREKEY_RECORD_BYTES + KEY_BYTES);
    const mlKemSeed = bytes.slice(at + PREKEY_RECORD_BYTES + KEY_BYTES, at + SECRET_ENTRY_BYTES);
    const { publicKey, secretKey } = mlKemKeyPair(mlKemSeed);
    if (
      !equalBytes(publicKey, record.mlKemPublicKey) ||
      !equalBytes(await suite.x25519PublicKey(x25519SecretKey), record.x25519PublicKey)
    ) {
      throw damaged();
    }
    out.push({ record, x25519SecretKey, mlKemSeed, mlKemSecretKey: secretKey });
  }
  return out;
}
