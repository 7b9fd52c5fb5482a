/**
 * The v2 envelope's construction (docs/PROTOCOL.md §5), with its randomness passed in.
 * INTERNAL: not exported from the package. `envelope-v2.ts` is the public face and always draws
 * fresh randomness; the known-answer vectors and the deniability test call this module directly.
 * Sealing twice with the same ephemeral key or ML-KEM randomness to the same prekey reuses an
 * AES-GCM (key, nonce) pair.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ByteReader, concatBytes, equalBytes, u64 } from './bytes.js';
import { BLOB_BYTES, FRAME_VERSION_V2, assertFrame, padToSize, unpad } from './blob.js';
import { ML_KEM_CIPHERTEXT_BYTES, mlKemDecapsulate, mlKemEncapsulate } from './crypto/ml-kem.js';
import { GCM_TAG_BYTES, KEY_BYTES, ZERO_NONCE, type CryptoSuite, type X25519Ephemeral } from './crypto/suite.js';
import { DEVICE_ID_BYTES, type DeviceRecord, type DeviceSecrets } from './device.js';
import { CircleError, ErrorCode } from './errors.js';
import { LABEL } from './labels.js';
import type { PrekeySecret, SignedPrekey } from './prekey.js';

export const PREKEY_HINT_BYTES = 8;
/** The sender's member key and device id, encrypted, then a 16-byte tag over them. */
export const SEALED_SENDER_BYTES = KEY_BYTES + DEVICE_ID_BYTES;
export const SENDER_TAG_BYTES = 16;
/** version, E, ML-KEM ciphertext, prekey hint, sealed sender, its tag */
export const ENVELOPE_V2_HEADER_BYTES =
  1 + KEY_BYTES + ML_KEM_CIPHERTEXT_BYTES + PREKEY_HINT_BYTES + SEALED_SENDER_BYTES + SENDER_TAG_BYTES;
export const INNER_VERSION_V2 = 0x02;
export const MESSAGE_ID_BYTES_V2 = 16;
/** inner version, message id, counter, sent-at */
export const INNER_V2_HEADER_BYTES = 1 + MESSAGE_ID_BYTES_V2 + 8 + 8;

const OFFSET = {
  e: 1,
  c: 1 + KEY_BYTES,
  hint: 1 + KEY_BYTES + ML_KEM_CIPHERTEXT_BYTES,
  sender: 1 + KEY_BYTES + ML_KEM_CIPHERTEXT_BYTES + PREKEY_HINT_BYTES,
  senderTag: 1 + KEY_BYTES + ML_KEM_CIPHERTEXT_BYTES + PREKEY_HINT_BYTES + SEALED_SENDER_BYTES,
} as const;

export const innerBytesV2 = (frameBytes: number): number => frameBytes - ENVELOPE_V2_HEADER_BYTES - GCM_TAG_BYTES;
/** Largest content a v2 frame of `frameBytes` carries. */
export const envelopeCapacityV2 = (frameBytes: number = BLOB_BYTES): number => innerBytesV2(frameBytes) - INNER_V2_HEADER_BYTES - 4;

/** A recipient device and the prekey a sender seals to, both verified by the caller. */
export interface RecipientDevice {
  device: DeviceRecord;
  prekey: SignedPrekey;
}

export interface SealInputV2 {
  sender: DeviceSecrets;
  messageId: Uint8Array;
  counter: bigint;
  sentAt: bigint;
  content: Uint8Array;
  frameBytes?: number;
}

export interface OpenedV2 {
  senderMemberKey: Uint8Array;
  senderDeviceId: Uint8Array;
  messageId: Uint8Array;
  counter: bigint;
  sentAt: bigint;
  content: Uint8Array;
  /** The epoch of the prekey it was sealed to. */
  prekeyEpoch: number;
}

/** Finds a verified, roster-pinned device record; `undefined` when the app knows no such device. */
export type SenderLookup = (memberKey: Uint8Array, deviceId: Uint8Array) => DeviceRecord | undefined;

/** A device's own secrets: its keys and the prekeys it still holds (likeliest first). */
export interface DeviceKeys {
  device: DeviceSecrets;
  prekeys: readonly PrekeySecret[];
}

const invalid = () =>
  new CircleError(ErrorCode.EnvelopeInvalid, 'envelope', 'this envelope cannot be opened: not addressed to this device, or damaged');

export const prekeyHint = (ssE: Uint8Array, e: Uint8Array, prekeyX25519: Uint8Array): Uint8Array =>
  hkdf(sha256, ssE, concatBytes(e, prekeyX25519), LABEL.prekeyHint, PREKEY_HINT_BYTES);

function transcriptHash(head: Uint8Array, recipient: RecipientDevice): Uint8Array {
  return sha256(
    concatBytes(
      LABEL.envelopeTranscript,
      head,
      recipient.prekey.x25519PublicKey,
      sha256(recipient.prekey.mlKemPublicKey),
      recipient.device.memberKey,
      recipient.device.deviceId,
    ),
  );
}

/** The sealed sender's mask and MAC key: only someone holding both ss_pq and ss_e computes them. */
function senderKeys(ssPq: Uint8Array, ssE: Uint8Array, th: Uint8Array) {
  const okm = hkdf(sha256, concatBytes(ssPq, ssE), th, LABEL.sealedSender, SEALED_SENDER_BYTES + 32);
  return { mask: okm.subarray(0, SEALED_SENDER_BYTES), macKey: okm.subarray(SEALED_SENDER_BYTES) };
}

const senderTag = (macKey: Uint8Array, sealedSender: Uint8Array) => hmac(sha256, macKey, sealedSender).subarray(0, SENDER_TAG_BYTES);

const frameKey = (ssPq: Uint8Array, ssE: Uint8Array, ssS: Uint8Array, th: Uint8Array, sender: DeviceRecord) =>
  hkdf(
    sha256,
    concatBytes(ssPq, ssE, ssS),
    th,
    concatBytes(LABEL.envelopeKeyV2, sender.memberKey, sender.deviceId, sender.x25519PublicKey),
    KEY_BYTES,
  );

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** The three shared secrets and public values one frame is built from, however they were obtained. */
export interface FrameSecrets {
  ephemeralPublicKey: Uint8Array;
  cipherText: Uint8Array;
  /** X25519(e, prekey) */
  ssE: Uint8Array;
  /** ML-KEM-768 shared secret */
  ssPq: Uint8Array;
  /** X25519(sender device, prekey): the deniable sender authentication */
  ssS: Uint8Array;
}

export function checkSealInput(input: Pick<SealInputV2, 'messageId' | 'content' | 'frameBytes'>): number {
  const frameBytes = input.frameBytes ?? BLOB_BYTES;
  if (input.messageId.length !== MESSAGE_ID_BYTES_V2)
    throw new CircleError(ErrorCode.BadRequest, 'envelope', 'message id must be 16 bytes');
  const capacity = envelopeCapacityV2(frameBytes);
  if (!(capacity >= 0)) throw new CircleError(ErrorCode.BadRequest, 'envelope', `a ${frameBytes}-byte frame cannot hold a v2 envelope`);
  if (input.content.length > capacity) {
    throw new CircleError(
      ErrorCode.PayloadTooLarge,
      'envelope',
      `content of ${input.content.length} bytes exceeds the ${capacity}-byte capacity`,
    );
  }
  return frameBytes;
}

/** Builds the frame from its secrets: what the sender does, and what a recipient can do alone (deniability). */
export async function assembleFrame(
  input: Omit<SealInputV2, 'sender'> & { senderRecord: DeviceRecord },
  recipient: RecipientDevice,
  s: FrameSecrets,
  suite: CryptoSuite,
): Promise<Uint8Array> {
  const frameBytes = checkSealInput(input);
  const hint = prekeyHint(s.ssE, s.ephemeralPublicKey, recipient.prekey.x25519PublicKey);
  const head = concatBytes(Uint8Array.of(FRAME_VERSION_V2), s.ephemeralPublicKey, s.cipherText, hint);
  const th = transcriptHash(head, recipient);
  const { mask, macKey } = senderKeys(s.ssPq, s.ssE, th);
  const sealedSender = xor(concatBytes(input.senderRecord.memberKey, input.senderRecord.deviceId), mask);
  const header = concatBytes(head, sealedSender, senderTag(macKey, sealedSender));
  const key = frameKey(s.ssPq, s.ssE, s.ssS, th, input.senderRecord);
  const inner = concatBytes(
    Uint8Array.of(INNER_VERSION_V2),
    input.messageId,
    u64(input.counter),
    u64(input.sentAt),
    padToSize(input.content, innerBytesV2(frameBytes) - INNER_V2_HEADER_BYTES),
  );
  return concatBytes(header, await suite.aesGcmSeal(key, ZERO_NONCE, inner, header));
}

/** The sender's side, with the randomness given: a fresh ephemeral and 32 fresh bytes for ML-KEM. */
export async function sealFrame(
  input: SealInputV2,
  recipient: RecipientDevice,
  randomness: { ephemeral: X25519Ephemeral; mlKemMessage: Uint8Array },
  suite: CryptoSuite,
): Promise<Uint8Array> {
  checkSealInput(input);
  const { cipherText, sharedSecret: ssPq } = mlKemEncapsulate(recipient.prekey.mlKemPublicKey, randomness.mlKemMessage);
  const [ssE, ssS] = await Promise.all([
    randomness.ephemeral.agree(recipient.prekey.x25519PublicKey),
    suite.x25519SharedSecret(input.sender.x25519SecretKey, recipient.prekey.x25519PublicKey),
  ]);
  return assembleFrame(
    { ...input, senderRecord: input.sender.record },
    recipient,
    { ephemeralPublicKey: randomness.ephemeral.publicKey, cipherText, ssE, ssPq, ssS },
    suite,
  );
}

/** A fixed-secret ephemeral, for known-answer vectors only. */
export async function fixedEphemeral(secret: Uint8Array, suite: CryptoSuite): Promise<X25519Ephemeral> {
  return { publicKey: await suite.x25519PublicKey(secret), agree: (peer) => suite.x25519SharedSecret(secret, peer) };
}

/** Finds which held prekey a frame was sealed to, by its hint; returns it with X25519(p, E). */
async function findPrekey(e: Uint8Array, hint: Uint8Array, prekeys: readonly PrekeySecret[], suite: CryptoSuite) {
  for (const p of prekeys) {
    const ssE = await suite.x25519SharedSecret(p.x25519SecretKey, e).catch(() => {
      throw invalid(); // a low-order or malformed E: the same vague answer as any other failure
    });
    if (equalBytes(prekeyHint(ssE, e, p.record.x25519PublicKey), hint)) return { prekey: p, ssE };
  }
  throw invalid();
}

export async function openFrame(
  frame: Uint8Array,
  me: DeviceKeys,
  senders: SenderLookup,
  frameBytes: number,
  suite: CryptoSuite,
): Promise<OpenedV2> {
  assertFrame(frame, frameBytes, 'envelope', FRAME_VERSION_V2);
  const { prekey, ssE } = await findPrekey(
    frame.subarray(OFFSET.e, OFFSET.c),
    frame.subarray(OFFSET.hint, OFFSET.sender),
    me.prekeys,
    suite,
  );
  const ssPq = mlKemDecapsulate(frame.subarray(OFFSET.c, OFFSET.hint), prekey.mlKemSecretKey);
  const opened = await openWithSecrets(
    frame,
    { device: me.device.record, prekey: prekey.record },
    { ssE, ssPq },
    (sender) => suite.x25519SharedSecret(prekey.x25519SecretKey, sender.x25519PublicKey),
    senders,
    suite,
  );
  return { ...opened, prekeyEpoch: prekey.record.epoch };
}

/**
 * Everything after the two agreements with the prekey: whoever holds ss_e and ss_pq (and can
 * compute ss_s for the named sender) opens the frame. The post-quantum test plays attackers
 * holding one of the two.
 */
export async function openWithSecrets(
  frame: Uint8Array,
  recipient: RecipientDevice,
  ss: { ssE: Uint8Array; ssPq: Uint8Array },
  senderSecret: (sender: DeviceRecord) => Promise<Uint8Array>,
  senders: SenderLookup,
  suite: CryptoSuite,
): Promise<Omit<OpenedV2, 'prekeyEpoch'>> {
  const { ssE, ssPq } = ss;
  const th = transcriptHash(frame.subarray(0, OFFSET.sender), recipient);
  const { mask, macKey } = senderKeys(ssPq, ssE, th);
  const sealedSender = frame.subarray(OFFSET.sender, OFFSET.senderTag);
  // A wrong secret or a damaged frame stops here, as EnvelopeInvalid: UnknownSender below is
  // said only of ids that someone holding both shared secrets wrote.
  if (!equalBytes(senderTag(macKey, sealedSender), frame.subarray(OFFSET.senderTag, ENVELOPE_V2_HEADER_BYTES))) throw invalid();
  const ids = xor(sealedSender, mask);
  const senderMemberKey = ids.slice(0, KEY_BYTES);
  const senderDeviceId = ids.slice(KEY_BYTES);
  const sender = senders(senderMemberKey, senderDeviceId);
  if (!sender || !equalBytes(sender.memberKey, senderMemberKey) || !equalBytes(sender.deviceId, senderDeviceId)) {
    // Only a holder of this prekey's secrets or the sender could have chosen these ids: most
    // likely a device added since the app last fetched the device lists.
    throw new CircleError(
      ErrorCode.UnknownSender,
      'envelope',
      'sent from a device this app does not know: refresh the device lists and retry',
    );
  }
  const ssS = await senderSecret(sender).catch(() => {
    throw invalid();
  });
  const header = frame.subarray(0, ENVELOPE_V2_HEADER_BYTES);
  const inner = await suite
    .aesGcmOpen(frameKey(ssPq, ssE, ssS, th, sender), ZERO_NONCE, frame.subarray(ENVELOPE_V2_HEADER_BYTES), header)
    .catch(() => {
      throw invalid();
    });
  const reader = new ByteReader(inner, invalid);
  if (reader.u8() !== INNER_VERSION_V2) throw invalid();
  const messageId = reader.take(MESSAGE_ID_BYTES_V2).slice();
  const counter = reader.u64();
  const sentAt = reader.u64();
  const content = unpad(reader.take(reader.remaining), 'envelope').slice();
  return { senderMemberKey, senderDeviceId, messageId, counter, sentAt, content };
}
