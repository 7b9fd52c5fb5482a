/**
 * Sealed-sender envelope (docs/PROTOCOL.md §5). Per frame:
 *
 *   e, E    = fresh X25519 key pair
 *   ikm     = X25519(e, recipient X25519 public key)          (RFC 7748; low-order keys rejected)
 *   k       = HKDF-SHA-256(ikm, salt = E || recipientX, info = 'circle/v1/envelope', 32)   (RFC 5869)
 *   frame   = 0x01 || E || AES-256-GCM(k, nonce = 0^12, inner, aad = 0x01 || E)
 *
 * k seals exactly one message, so the fixed nonce is unique per key by construction.
 * The sender's identity and an Ed25519 signature (strict RFC 8032) over
 * (E, sender, recipient, message id, counter, sent-at, content) live inside the
 * ciphertext: the relay cannot tell who sent a frame, the recipient knows exactly who did.
 * Signing E binds the signature to this one AEAD key, which closes GCM's lack of key commitment.
 *
 * @example
 *   const frame = await sealEnvelope({ sender, recipient, messageId, counter, sentAt, content });
 *   const opened = await openEnvelope(frame, recipientKeys); // opened.senderPublicKey, opened.content
 */
import { ByteReader, concatBytes, equalBytes, u32, u64 } from './bytes.js';
import { BLOB_BYTES, FRAME_HEADER_BYTES, FRAME_VERSION, assertFrame, framePlaintextBytes, padToSize, unpad } from './blob.js';
import { nativeSuite } from './crypto/native.js';
import { KEY_BYTES, SIGNATURE_BYTES, type CryptoSuite } from './crypto/suite.js';
import { CircleError, ErrorCode } from './errors.js';
import { LABEL } from './labels.js';

export const INNER_VERSION = 0x01;
export const MESSAGE_ID_BYTES = 16;
/** inner version, sender, recipient, message id, counter, sent-at, signature */
export const INNER_HEADER_BYTES = 1 + KEY_BYTES + KEY_BYTES + MESSAGE_ID_BYTES + 8 + 8 + SIGNATURE_BYTES;

/** Largest content a frame of `frameBytes` can carry. */
export const envelopeCapacity = (frameBytes: number = BLOB_BYTES): number => framePlaintextBytes(frameBytes) - INNER_HEADER_BYTES - 4;

export interface EnvelopeSender {
  ed25519Seed: Uint8Array;
  ed25519PublicKey: Uint8Array;
}

export interface EnvelopeRecipient {
  x25519PublicKey: Uint8Array;
  ed25519PublicKey: Uint8Array;
}

export interface SealInput {
  sender: EnvelopeSender;
  recipient: EnvelopeRecipient;
  messageId: Uint8Array;
  counter: bigint;
  sentAt: bigint;
  content: Uint8Array;
  frameBytes?: number;
  /** Test hook: fixes the ephemeral secret so outputs can be compared byte for byte. */
  ephemeralSecret?: Uint8Array;
}

export interface OpenedEnvelope {
  senderPublicKey: Uint8Array;
  recipientPublicKey: Uint8Array;
  messageId: Uint8Array;
  counter: bigint;
  sentAt: bigint;
  content: Uint8Array;
}

export interface RecipientKeys {
  x25519SecretKey: Uint8Array;
  x25519PublicKey: Uint8Array;
  ed25519PublicKey: Uint8Array;
}

const invalid = () =>
  new CircleError(ErrorCode.EnvelopeInvalid, 'envelope', 'this envelope cannot be opened: not addressed to this identity, or damaged');

/** What the sender signs. Ed25519 hashes the message itself (SHA-512), so content goes in whole. */
function signedPart(
  e: Uint8Array,
  sender: Uint8Array,
  recipient: Uint8Array,
  id: Uint8Array,
  counter: bigint,
  sentAt: bigint,
  content: Uint8Array,
) {
  return concatBytes(LABEL.envelopeSignature, e, sender, recipient, id, u64(counter), u64(sentAt), u32(content.length), content);
}

export async function sealEnvelope(input: SealInput, suite: CryptoSuite = nativeSuite): Promise<Uint8Array> {
  const frameBytes = input.frameBytes ?? BLOB_BYTES;
  if (input.messageId.length !== MESSAGE_ID_BYTES) throw new CircleError(ErrorCode.BadRequest, 'envelope', 'message id must be 16 bytes');
  if (input.content.length > envelopeCapacity(frameBytes)) {
    throw new CircleError(
      ErrorCode.PayloadTooLarge,
      'envelope',
      `content of ${input.content.length} bytes exceeds the ${envelopeCapacity(frameBytes)}-byte capacity`,
    );
  }
  const { sender, recipient } = input;
  const { ephemeralPublicKey, key } = await suite.agreeOneUseKey(recipient.x25519PublicKey, LABEL.envelopeKey, input.ephemeralSecret);
  const signature = await suite.ed25519Sign(
    sender.ed25519Seed,
    signedPart(
      ephemeralPublicKey,
      sender.ed25519PublicKey,
      recipient.ed25519PublicKey,
      input.messageId,
      input.counter,
      input.sentAt,
      input.content,
    ),
  );
  const inner = concatBytes(
    Uint8Array.of(INNER_VERSION),
    sender.ed25519PublicKey,
    recipient.ed25519PublicKey,
    input.messageId,
    u64(input.counter),
    u64(input.sentAt),
    signature,
    padToSize(input.content, framePlaintextBytes(frameBytes) - INNER_HEADER_BYTES),
  );
  const header = concatBytes(Uint8Array.of(FRAME_VERSION), ephemeralPublicKey);
  return concatBytes(header, await key.seal(inner, header));
}

/**
 * Opens a frame addressed to `me`. Authenticates the ciphertext, then checks that the frame
 * names `me` as recipient and that the sender's signature verifies. The caller MUST still
 * check `senderPublicKey` against its pinned roster.
 */
export async function openEnvelope(
  frame: Uint8Array,
  me: RecipientKeys,
  options: { frameBytes?: number } = {},
  suite: CryptoSuite = nativeSuite,
): Promise<OpenedEnvelope> {
  const frameBytes = options.frameBytes ?? BLOB_BYTES;
  assertFrame(frame, frameBytes, 'envelope');
  const header = frame.subarray(0, FRAME_HEADER_BYTES);
  const ephemeralPublic = frame.subarray(1, FRAME_HEADER_BYTES);
  const key = await suite.acceptOneUseKey(me.x25519SecretKey, me.x25519PublicKey, ephemeralPublic, LABEL.envelopeKey).catch(() => {
    throw invalid();
  });
  const inner = await key.open(frame.subarray(FRAME_HEADER_BYTES), header).catch(() => {
    throw invalid();
  });
  const reader = new ByteReader(inner, invalid);
  if (reader.u8() !== INNER_VERSION) throw invalid();
  const senderPublicKey = reader.take(KEY_BYTES).slice();
  const recipientPublicKey = reader.take(KEY_BYTES).slice();
  const messageId = reader.take(MESSAGE_ID_BYTES).slice();
  const counter = reader.u64();
  const sentAt = reader.u64();
  const signature = reader.take(SIGNATURE_BYTES);
  const content = unpad(reader.take(reader.remaining), 'envelope').slice();
  if (!equalBytes(recipientPublicKey, me.ed25519PublicKey)) {
    throw new CircleError(ErrorCode.WrongRecipient, 'envelope', 'this envelope was signed for another member and re-sealed to you');
  }
  const signed = signedPart(ephemeralPublic, senderPublicKey, recipientPublicKey, messageId, counter, sentAt, content);
  if (!(await suite.ed25519Verify(senderPublicKey, signed, signature))) {
    throw new CircleError(ErrorCode.BadSignature, 'envelope', "the sender's signature does not verify");
  }
  return { senderPublicKey, recipientPublicKey, messageId, counter, sentAt, content };
}
