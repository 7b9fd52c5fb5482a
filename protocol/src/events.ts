/**
 * The one Socket.io event contract (docs/PROTOCOL.md §10), used by the relay's
 * `Server<ClientToServerEvents, ServerToClientEvents>` and the client's `Socket<...>`.
 * Every client request carries an ack that receives `Result<T>`; payloads are validated
 * with these schemas where they enter, and the error names the field that was wrong.
 */
import { z } from 'zod';
import { CircleError, ErrorCode, type Result } from './errors.js';

/** Binary payload: Buffer in Node, ArrayBuffer or Uint8Array in browsers; normalised to Uint8Array. */
export const Bytes = z
  .custom<Uint8Array | ArrayBuffer>((v) => v instanceof Uint8Array || v instanceof ArrayBuffer, { message: 'expected binary data' })
  .transform((v) => (v instanceof Uint8Array ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v)));

/** A blob id: a lowercase UUID v4. */
export const BLOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const BlobId = z.string().regex(BLOB_ID_PATTERN, 'expected a lowercase UUID v4');
export const Mailbox = z.string().regex(/^[0-9a-f]{32}$/, 'expected a 32-hex-digit mailbox address');
export const Hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits');
export const RoomId = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected a 22-character room id');
export const B64 = z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'expected base64url');

/** socket.io-parser accepts at most 10 binary attachments per packet. */
export const MAX_FETCH_IDS = 8;
export const MAX_LIST_PAGE = 500;
export const MAX_CALL_MEMBERS = 6;

/** Devices of one member the relay keeps (removed ones are not counted). */
export const MAX_DEVICES_PER_MEMBER = 8;
/** Device rows one member may leave behind, removed ones included: a removed device stays refused. */
export const MAX_DEVICE_ROWS_PER_MEMBER = 64;
/** Signed prekey bundles one device publishes at once (the current one and the next few). */
export const MAX_PREKEYS_PER_DEVICE = 4;
/** Upper bounds on the opaque, member-signed device record and prekey bundle (PROTOCOL.md §10.3). */
export const MAX_DEVICE_RECORD_BYTES = 512;
export const MAX_PREKEY_BUNDLE_BYTES = 2048;
/** How far ahead a published prekey bundle may say it expires. */
export const MAX_PREKEY_LIFETIME_MS = 8 * 24 * 60 * 60 * 1000;

export const DeviceId = z.string().regex(/^[0-9a-f]{32}$/, 'expected a 32-hex-digit device id');
/** Base64url of 1..maxBytes bytes: small key material travels as text (no attachment limit). */
const B64Bytes = (maxBytes: number) =>
  z
    .string()
    .max(Math.ceil((maxBytes * 4) / 3))
    .regex(/^[A-Za-z0-9_-]+$/, 'expected base64url');
export const PrekeyEntry = z.strictObject({ bundle: B64Bytes(MAX_PREKEY_BUNDLE_BYTES), expiresAt: z.number().int().positive() });
export type PrekeyEntry = z.infer<typeof PrekeyEntry>;
export const DeviceEntry = z.object({
  deviceId: DeviceId,
  mailbox: Mailbox,
  record: B64Bytes(MAX_DEVICE_RECORD_BYTES),
  prekeys: z.array(PrekeyEntry).max(MAX_PREKEYS_PER_DEVICE),
});
export type DeviceEntry = z.infer<typeof DeviceEntry>;

/** Socket.io handshake `auth` payload. */
export const AuthPayload = z.strictObject({ challenge: B64, publicKey: B64, signature: B64 });
export type AuthPayload = z.infer<typeof AuthPayload>;

const StoredBlobInfo = z.object({ id: BlobId, expiresAt: z.number() });

/** Client → relay requests, each answered through its ack. */
export const requests = {
  'blob:put': {
    request: z.strictObject({ id: BlobId, to: Mailbox, bytes: Bytes, deleteProofHash: Hex32 }),
    response: z.object({ expiresAt: z.number() }),
  },
  'mailbox:list': {
    request: z.strictObject({ cursor: BlobId.optional(), limit: z.number().int().min(1).max(MAX_LIST_PAGE).optional() }),
    response: z.object({ blobs: z.array(StoredBlobInfo), nextCursor: BlobId.nullable() }),
  },
  'blob:fetch': {
    request: z.strictObject({ ids: z.array(BlobId).min(1).max(MAX_FETCH_IDS) }),
    response: z.object({ blobs: z.array(z.object({ id: BlobId, expiresAt: z.number(), bytes: Bytes })) }),
  },
  'blob:delete': {
    request: z.strictObject({ id: BlobId, proof: Hex32.optional() }),
    response: z.object({ deleted: z.boolean() }),
  },
  'presence:list': {
    request: z.strictObject({}),
    response: z.object({ online: z.array(Mailbox) }),
  },
  'turn:credentials': {
    request: z.strictObject({}),
    response: z.object({ urls: z.array(z.string()), username: z.string(), credential: z.string(), ttlSeconds: z.number() }),
  },
  'signal:send': {
    request: z.strictObject({ to: Mailbox, bytes: Bytes }),
    // No count of receiving sockets: it would tell a member how many devices another has online.
    response: z.object({}),
  },
  'call:create': {
    request: z.strictObject({
      invited: z
        .array(Mailbox)
        .min(1)
        .max(MAX_CALL_MEMBERS - 1),
    }),
    response: z.object({ roomId: RoomId }),
  },
  'call:join': {
    request: z.strictObject({ roomId: RoomId }),
    response: z.object({ members: z.array(Mailbox) }),
  },
  'call:leave': {
    request: z.strictObject({ roomId: RoomId }),
    response: z.object({}),
  },
  'device:publish': {
    request: z.strictObject({
      deviceId: DeviceId,
      record: B64Bytes(MAX_DEVICE_RECORD_BYTES),
      prekeys: z.array(PrekeyEntry).min(1).max(MAX_PREKEYS_PER_DEVICE),
    }),
    response: z.object({ mailbox: Mailbox, added: z.boolean() }),
  },
  'device:list': {
    request: z.strictObject({ member: Mailbox }),
    response: z.object({ devices: z.array(DeviceEntry).max(MAX_DEVICES_PER_MEMBER) }),
  },
  'device:remove': {
    request: z.strictObject({ deviceId: DeviceId }),
    response: z.object({ removed: z.boolean() }),
  },
} as const;

/** Relay → client pushes. */
export const pushes = {
  'blob:new': z.object({ id: BlobId, expiresAt: z.number(), bytes: Bytes }),
  'presence:update': z.object({ mailbox: Mailbox, online: z.boolean() }),
  'signal:recv': z.object({ bytes: Bytes }),
  'call:member': z.object({ roomId: RoomId, mailbox: Mailbox, joined: z.boolean() }),
  'session:revoked': z.object({}),
  'device:changed': z.object({ member: Mailbox }),
} as const;

export type RequestName = keyof typeof requests;
export type PushName = keyof typeof pushes;
export type RequestOf<K extends RequestName> = z.input<(typeof requests)[K]['request']>;
export type ParsedRequestOf<K extends RequestName> = z.output<(typeof requests)[K]['request']>;
export type ResponseOf<K extends RequestName> = z.input<(typeof requests)[K]['response']>;
export type ParsedResponseOf<K extends RequestName> = z.output<(typeof requests)[K]['response']>;
export type PushOf<K extends PushName> = z.input<(typeof pushes)[K]>;

export type ClientToServerEvents = {
  [K in RequestName]: (payload: RequestOf<K>, ack: (result: Result<ResponseOf<K>>) => void) => void;
};
export type ServerToClientEvents = {
  [K in PushName]: (payload: PushOf<K>) => void;
};

/** Parses `value` with `schema`; on failure throws BadRequest naming the first bad field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, operation: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? `field '${issue.path.join('.')}'` : 'payload';
  throw new CircleError(ErrorCode.BadRequest, operation, `${operation}: ${field}: ${issue?.message ?? 'invalid'}`);
}
