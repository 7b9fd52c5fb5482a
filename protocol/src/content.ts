/**
 * Message content (docs/PROTOCOL.md §11): what travels inside an envelope, as UTF-8 JSON
 * validated with these schemas after opening. Stored messages go in 64 KiB blob frames;
 * live-only signals (typing, call signalling) go in SIGNAL_BYTES frames and are never stored.
 *
 * @example
 *   const bytes = encodeContent({ v: 1, conversation: { kind: 'direct' }, body: { type: 'text', text: 'hi' } });
 *   const content = decodeContent(bytes); // throws BadRequest naming the bad field
 */
import { z } from 'zod';
import { utf8Decode, utf8Encode } from './bytes.js';
import { BlobId, Hex32, RoomId, parseWith } from './events.js';
import { MAX_FILE_BYTES } from './file-chunks.js';

export const MAX_TEXT_CHARS = 16_000;
export const MAX_GROUP_NAME_CHARS = 64;
/** Group updates are numbered 1, 2, …; far fewer than this ever happen in one group. */
export const MAX_GROUP_VERSION = 1_000_000;
/** SDP or ICE JSON per signal; with JSON escaping it still fits one SIGNAL_BYTES frame (tested). */
export const MAX_RTC_SIGNAL_CHARS = 28_000;

const Hex16 = z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 hex digits');
/** A member, named by their Ed25519 public key (hex). */
export const MemberKey = Hex32;
export const MessageIdHex = Hex16;

export const Conversation = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('direct') }),
  z.strictObject({
    kind: z.literal('group'),
    id: Hex16,
    name: z.string().min(1).max(MAX_GROUP_NAME_CHARS),
    members: z.array(MemberKey).min(2).max(255),
  }),
]);
export type Conversation = z.infer<typeof Conversation>;

export const FileManifest = z.strictObject({
  id: Hex16,
  name: z.string().min(1).max(255),
  mime: z.string().max(127),
  // Bounded by the protocol's file maximum: a larger claim cannot be a real file (PROTOCOL.md §11.2).
  size: z.number().int().min(0).max(MAX_FILE_BYTES),
  key: Hex32,
  digest: Hex32,
  chunks: z.array(BlobId).min(1).max(1100),
});
export type FileManifest = z.infer<typeof FileManifest>;

export const MessageBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: z.string().min(1).max(MAX_TEXT_CHARS), replyTo: MessageIdHex.optional() }),
  z.strictObject({ type: z.literal('edit'), target: MessageIdHex, text: z.string().min(1).max(MAX_TEXT_CHARS) }),
  z.strictObject({ type: z.literal('unsend'), target: MessageIdHex }),
  z.strictObject({ type: z.literal('reaction'), target: MessageIdHex, emoji: z.string().min(1).max(16), remove: z.boolean() }),
  z.strictObject({ type: z.literal('receipt'), targets: z.array(MessageIdHex).min(1).max(500), state: z.enum(['delivered', 'read']) }),
  z.strictObject({
    type: z.literal('file'),
    file: FileManifest,
    caption: z.string().max(MAX_TEXT_CHARS).optional(),
    replyTo: MessageIdHex.optional(),
  }),
  z.strictObject({
    type: z.literal('call'),
    event: z.enum(['missed', 'ended', 'declined']),
    media: z.enum(['audio', 'video']),
    durationMs: z.number().int().min(0).optional(),
  }),
  // The group's new name and members are the message's `conversation` (PROTOCOL.md §11.4).
  z.strictObject({ type: z.literal('group-update'), version: z.number().int().min(1).max(MAX_GROUP_VERSION) }),
]);
export type MessageBody = z.infer<typeof MessageBody>;

/** On the sender's own copy: where the other copies went, so any of its devices can show state and unsend. */
export const SentCopy = z.strictObject({
  copies: z.array(z.strictObject({ to: MemberKey, blobId: BlobId, deleteSecret: Hex32, expiresAt: z.number() })).max(255),
});
export type SentCopy = z.infer<typeof SentCopy>;

export const MessageContent = z.strictObject({
  v: z.literal(1),
  conversation: Conversation,
  body: MessageBody,
  /** Secret whose SHA-256 sits beside this blob on the relay: lets the sender unsend it. */
  deleteSecret: Hex32.optional(),
  sent: SentCopy.optional(),
});
export type MessageContent = z.infer<typeof MessageContent>;

export const CallSignal = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ring'), roomId: RoomId, media: z.enum(['audio', 'video']), conversation: Conversation }),
  z.strictObject({ type: z.literal('accept'), roomId: RoomId }),
  z.strictObject({ type: z.literal('decline'), roomId: RoomId }),
  z.strictObject({ type: z.literal('hangup'), roomId: RoomId }),
  z.strictObject({ type: z.literal('cancel'), roomId: RoomId }),
  /** SDP offer/answer or ICE candidate, opaque JSON from WebRTC. */
  z.strictObject({ type: z.literal('rtc'), roomId: RoomId, data: z.string().max(MAX_RTC_SIGNAL_CHARS) }),
]);
export type CallSignal = z.infer<typeof CallSignal>;

export const SignalContent = z.strictObject({
  v: z.literal(1),
  signal: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('typing'), conversation: Conversation }),
    z.strictObject({ kind: z.literal('call'), call: CallSignal }),
  ]),
});
export type SignalContent = z.infer<typeof SignalContent>;

export const encodeContent = (content: MessageContent | SignalContent): Uint8Array => utf8Encode(JSON.stringify(content));

function decodeJson(bytes: Uint8Array, operation: string): unknown {
  try {
    return JSON.parse(utf8Decode(bytes, operation));
  } catch {
    return undefined;
  }
}

export const decodeMessageContent = (bytes: Uint8Array): MessageContent =>
  parseWith(MessageContent, decodeJson(bytes, 'content'), 'content');
export const decodeSignalContent = (bytes: Uint8Array): SignalContent => parseWith(SignalContent, decodeJson(bytes, 'signal'), 'signal');
