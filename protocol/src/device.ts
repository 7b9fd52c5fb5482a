/**
 * Device records (docs/PROTOCOL.md §15.1). Each installation that opens an identity file makes
 * its own random keys: an X25519 key (the sender half of an envelope's deniable authentication,
 * §5.2) and an Ed25519 key (signs the device's prekeys, §15.2). The member's identity Ed25519
 * key certifies them; members check the certificate against their pinned roster, so the relay
 * stores and serves records it can neither forge nor alter. The identity key certifies devices
 * and authenticates to the relay; it never decrypts.
 *
 *   record = 0x01 || memberKey 32 || deviceId 16 || u64(createdAt) || X25519 32 || Ed25519 32 || sig 64
 *   sig    = Ed25519.sign(identity seed, 'circle/v2/device-record' || record[0..121))
 *
 * @example
 *   const device = await createDevice(identity);               // keep device (secret) in app state
 *   const bytes = encodeDeviceRecord(device.record);            // publish through the relay
 *   const verified = await verifyDeviceRecord(bytes, roster);   // any member, against the pinned roster
 */
import { ByteReader, concatBytes, equalBytes, toHex, u64 } from './bytes.js';
import { nativeSuite } from './crypto/native.js';
import { KEY_BYTES, SIGNATURE_BYTES, type CryptoSuite } from './crypto/suite.js';
import { CircleError, ErrorCode } from './errors.js';
import { selfMember, type Identity } from './identity-file.js';
import { LABEL } from './labels.js';
import type { Roster } from './roster.js';

export const DEVICE_RECORD_VERSION = 0x01;
export const DEVICE_ID_BYTES = 16;
const UNSIGNED_BYTES = 1 + KEY_BYTES + DEVICE_ID_BYTES + 8 + KEY_BYTES + KEY_BYTES;
export const DEVICE_RECORD_BYTES = UNSIGNED_BYTES + SIGNATURE_BYTES;
export const DEVICE_SECRETS_VERSION = 0x01;
export const DEVICE_SECRETS_BYTES = 1 + DEVICE_RECORD_BYTES + KEY_BYTES + KEY_BYTES;

export interface DeviceRecord {
  /** The member's identity Ed25519 public key, as on the roster. */
  memberKey: Uint8Array;
  deviceId: Uint8Array;
  /** Milliseconds since the Unix epoch, from the device's clock. */
  createdAt: bigint;
  x25519PublicKey: Uint8Array;
  ed25519PublicKey: Uint8Array;
  signature: Uint8Array;
}

/** A device record checked against the pinned roster. */
export interface VerifiedDevice extends DeviceRecord {
  memberIndex: number;
}

/** What one installation keeps to itself (never sent anywhere). */
export interface DeviceSecrets {
  record: DeviceRecord;
  x25519SecretKey: Uint8Array;
  ed25519Seed: Uint8Array;
}

export interface DeviceKeyMaterial {
  deviceId: Uint8Array;
  x25519SecretKey: Uint8Array;
  ed25519Seed: Uint8Array;
}

const invalid = (message: string) => new CircleError(ErrorCode.DeviceInvalid, 'device', message);

function encodeUnsigned(r: Omit<DeviceRecord, 'signature'>): Uint8Array {
  return concatBytes(
    Uint8Array.of(DEVICE_RECORD_VERSION),
    r.memberKey,
    r.deviceId,
    u64(r.createdAt),
    r.x25519PublicKey,
    r.ed25519PublicKey,
  );
}

export const encodeDeviceRecord = (r: DeviceRecord): Uint8Array => concatBytes(encodeUnsigned(r), r.signature);

/** The device id as it travels on the wire: 32 lowercase hex digits. */
export const deviceIdHex = (r: { deviceId: Uint8Array }): string => toHex(r.deviceId);

/** Certifies given device keys with the member's identity seed. `createDevice` draws them at random. */
export async function certifyDevice(
  identitySeed: Uint8Array,
  keys: DeviceKeyMaterial,
  createdAtMs: number | bigint,
  suite: CryptoSuite = nativeSuite,
): Promise<DeviceSecrets> {
  if (keys.deviceId.length !== DEVICE_ID_BYTES || keys.x25519SecretKey.length !== KEY_BYTES || keys.ed25519Seed.length !== KEY_BYTES) {
    throw new CircleError(ErrorCode.BadRequest, 'device', 'a device id is 16 bytes and device secret keys 32 bytes');
  }
  const [memberKey, x25519PublicKey, ed25519PublicKey] = await Promise.all([
    suite.ed25519PublicKey(identitySeed),
    suite.x25519PublicKey(keys.x25519SecretKey),
    suite.ed25519PublicKey(keys.ed25519Seed),
  ]);
  const unsigned = { memberKey, deviceId: keys.deviceId.slice(), createdAt: BigInt(createdAtMs), x25519PublicKey, ed25519PublicKey };
  const signature = await suite.ed25519Sign(identitySeed, concatBytes(LABEL.deviceRecord, encodeUnsigned(unsigned)));
  return { record: { ...unsigned, signature }, x25519SecretKey: keys.x25519SecretKey.slice(), ed25519Seed: keys.ed25519Seed.slice() };
}

/** New random device keys for this installation, certified by the identity's key. */
export async function createDevice(
  identity: Identity,
  nowMs: number = Date.now(),
  suite: CryptoSuite = nativeSuite,
): Promise<DeviceSecrets> {
  const keys = {
    deviceId: suite.randomBytes(DEVICE_ID_BYTES),
    x25519SecretKey: suite.randomBytes(KEY_BYTES),
    ed25519Seed: suite.randomBytes(KEY_BYTES),
  };
  const device = await certifyDevice(identity.ed25519Seed, keys, nowMs, suite);
  if (!equalBytes(device.record.memberKey, selfMember(identity).ed25519PublicKey)) {
    throw new CircleError(ErrorCode.IdentityTampered, 'device', "the identity's key does not match its roster entry");
  }
  return device;
}

/**
 * Parses a record and checks its signature under the member key it names: what the relay
 * checks before storing (it also requires that key to be the one that authenticated).
 * Throws `DeviceInvalid` naming what is wrong.
 */
export async function decodeDeviceRecord(bytes: Uint8Array, suite: CryptoSuite = nativeSuite): Promise<DeviceRecord> {
  if (bytes.length !== DEVICE_RECORD_BYTES) throw invalid(`a device record is ${DEVICE_RECORD_BYTES} bytes, got ${bytes.length}`);
  const reader = new ByteReader(bytes, () => invalid('the device record ends early'));
  const version = reader.u8();
  if (version !== DEVICE_RECORD_VERSION) throw invalid(`unknown device record version ${version}`);
  const record: DeviceRecord = {
    memberKey: reader.take(KEY_BYTES).slice(),
    deviceId: reader.take(DEVICE_ID_BYTES).slice(),
    createdAt: reader.u64(),
    x25519PublicKey: reader.take(KEY_BYTES).slice(),
    ed25519PublicKey: reader.take(KEY_BYTES).slice(),
    signature: reader.take(SIGNATURE_BYTES).slice(),
  };
  const signed = concatBytes(LABEL.deviceRecord, bytes.subarray(0, UNSIGNED_BYTES));
  if (!(await suite.ed25519Verify(record.memberKey, signed, record.signature))) {
    throw invalid("the device record's signature does not verify under the member key it names");
  }
  return record;
}

/**
 * What a member checks before sealing to a device or accepting a frame from it: a well-formed,
 * signed record whose member key is on the pinned roster (`UnknownSender` otherwise).
 */
export async function verifyDeviceRecord(bytes: Uint8Array, roster: Roster, suite: CryptoSuite = nativeSuite): Promise<VerifiedDevice> {
  const record = await decodeDeviceRecord(bytes, suite);
  const memberIndex = roster.members.findIndex((m) => equalBytes(m.ed25519PublicKey, record.memberKey));
  if (memberIndex < 0) throw new CircleError(ErrorCode.UnknownSender, 'device', 'this device belongs to no one on the pinned roster');
  return { ...record, memberIndex };
}

/** The app's local copy of its device (secret): version || record || X25519 secret || Ed25519 seed. */
export const encodeDeviceSecrets = (d: DeviceSecrets): Uint8Array =>
  concatBytes(Uint8Array.of(DEVICE_SECRETS_VERSION), encodeDeviceRecord(d.record), d.x25519SecretKey, d.ed25519Seed);

/** Inverse of `encodeDeviceSecrets`; checks the record's signature and that the secrets match its keys. */
export async function decodeDeviceSecrets(bytes: Uint8Array, suite: CryptoSuite = nativeSuite): Promise<DeviceSecrets> {
  if (bytes.length !== DEVICE_SECRETS_BYTES || bytes[0] !== DEVICE_SECRETS_VERSION) {
    throw invalid('the saved device keys are damaged or from another version');
  }
  const record = await decodeDeviceRecord(bytes.subarray(1, 1 + DEVICE_RECORD_BYTES), suite);
  const x25519SecretKey = bytes.slice(1 + DEVICE_RECORD_BYTES, 1 + DEVICE_RECORD_BYTES + KEY_BYTES);
  const ed25519Seed = bytes.slice(1 + DEVICE_RECORD_BYTES + KEY_BYTES);
  const [x, ed] = await Promise.all([suite.x25519PublicKey(x25519SecretKey), suite.ed25519PublicKey(ed25519Seed)]);
  if (!equalBytes(x, record.x25519PublicKey) || !equalBytes(ed, record.ed25519PublicKey)) {
    throw invalid('the saved device secrets do not match the device record');
  }
  return { record, x25519SecretKey, ed25519Seed };
}
