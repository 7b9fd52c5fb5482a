/**
 * Envelope v2 (docs/PROTOCOL.md §5): a message sealed to one recipient DEVICE with a key that
 * stays secret if either X25519 or ML-KEM-768 holds, and with the sender authenticated
 * deniably (no signature: an X25519 agreement between the sender's device key and the
 * recipient's prekey is mixed into the key, so the recipient could have made the frame itself).
 *
 *   e, E          fresh X25519 pair                   (C, ss_pq) = ML-KEM-768.Encaps(prekey ek)
 *   ss_e = X25519(e, P)      ss_s = X25519(sender device key, P)      P: recipient prekey X25519
 *   hint = HKDF(ss_e, E || P, 'circle/v2/prekey-hint', 8)
 *   th   = SHA-256('circle/v2/envelope-transcript' || 0x02 || E || C || hint || P || SHA-256(ek) || recipient member key || device id)
 *   mask, m = HKDF(ss_pq || ss_e, th, 'circle/v2/sealed-sender', 48 + 32)
 *   sealed sender = (sender member key || device id) XOR mask,   sender tag = HMAC-SHA-256(m, sealed sender)[0..16)
 *   k    = HKDF(ss_pq || ss_e || ss_s, th, 'circle/v2/envelope-key' || sender member key || device id || device X25519, 32)
 *   frame = 0x02 || E || C || hint || sealed sender || sender tag || AES-256-GCM(k, 0^12, inner, aad = those 1,193 bytes)
 *
 * @example
 *   const frames = await sealForDevices({ sender: myDevice, messageId, counter, sentAt, content }, recipients);
 *   const opened = await openForDevice(frame, { device: myDevice, prekeys: held }, lookupDevice);
 */
import { BLOB_BYTES } from './blob.js';
import { ML_KEM_MESSAGE_BYTES } from './crypto/ml-kem.js';
import { nativeSuite } from './crypto/native.js';
import type { CryptoSuite } from './crypto/suite.js';
import {
  checkSealInput,
  openFrame,
  sealFrame,
  type DeviceKeys,
  type OpenedV2,
  type RecipientDevice,
  type SealInputV2,
  type SenderLookup,
} from './envelope-v2-core.js';

export {
  ENVELOPE_V2_HEADER_BYTES,
  INNER_V2_HEADER_BYTES,
  PREKEY_HINT_BYTES,
  SEALED_SENDER_BYTES,
  SENDER_TAG_BYTES,
  envelopeCapacityV2,
  type DeviceKeys,
  type OpenedV2,
  type RecipientDevice,
  type SealInputV2,
  type SenderLookup,
} from './envelope-v2-core.js';

/**
 * Seals one message to each recipient device (the sender's own other devices included, for its
 * copy): one frame per device, in the order given, each with its own fresh E and ML-KEM
 * randomness. Recipients' device records and prekeys MUST have been verified
 * (`verifyDeviceRecord`, `verifyPrekey`) and the prekey chosen with `prekeyForSending`.
 */
export async function sealForDevices(
  input: SealInputV2,
  recipients: readonly RecipientDevice[],
  suite: CryptoSuite = nativeSuite,
): Promise<Uint8Array[]> {
  checkSealInput(input);
  return Promise.all(
    recipients.map(async (r) =>
      sealFrame(input, r, { ephemeral: await suite.x25519Ephemeral(), mlKemMessage: suite.randomBytes(ML_KEM_MESSAGE_BYTES) }, suite),
    ),
  );
}

/**
 * Opens a frame sealed to this device. Every failure to open is one vague `EnvelopeInvalid`,
 * except `UnknownSender` when it opens far enough to name a device `senders` does not know
 * (refresh the device lists and retry). The sender is authenticated (to this device only) as
 * the member and device returned; the caller still applies its replay rules.
 */
export function openForDevice(
  frame: Uint8Array,
  me: DeviceKeys,
  senders: SenderLookup,
  options: { frameBytes?: number } = {},
  suite: CryptoSuite = nativeSuite,
): Promise<OpenedV2> {
  return openFrame(frame, me, senders, options.frameBytes ?? BLOB_BYTES, suite);
}
