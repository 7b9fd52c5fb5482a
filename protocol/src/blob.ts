/**
 * Blob framing. Every blob on the wire and in the database is exactly BLOB_BYTES,
 * whatever it carries. Live-only call signalling uses SIGNAL_BYTES frames with the
 * same construction. Both share one clear layout (docs/PROTOCOL.md §4):
 *
 *   [0]      frame version (0x01)
 *   [1..33)  32 bytes: the ephemeral X25519 key (envelopes) or random bytes (file chunks)
 *   [33..)   AES-256-GCM ciphertext of a fixed-size padded plaintext, then the 16-byte tag
 *
 * so the relay cannot tell a message from a file chunk, nor how long either is.
 */
import { concatBytes, isAllZero } from './bytes.js';
import { GCM_TAG_BYTES, KEY_BYTES } from './crypto/suite.js';
import { CircleError, ErrorCode } from './errors.js';

export const BLOB_BYTES = 65_536;
/** Live-only signal frames: room for a WebRTC offer with several m-lines (about 10-20 KB of SDP). */
export const SIGNAL_BYTES = 32_768;
export const FRAME_VERSION = 0x01;
/** Protocol v2 frames (§5, §15.3): hybrid per-device envelopes and the chunks that look like them. */
export const FRAME_VERSION_V2 = 0x02;
export const FRAME_HEADER_BYTES = 1 + KEY_BYTES;
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + GCM_TAG_BYTES;

/** Plaintext bytes a frame of `frameBytes` carries (padding included). */
export const framePlaintextBytes = (frameBytes: number): number => frameBytes - FRAME_OVERHEAD_BYTES;

/** True when `bytes` is a well-formed frame of the given size (what the relay checks). */
export function isFrame(bytes: Uint8Array, frameBytes: number = BLOB_BYTES): boolean {
  // Both versions while the app moves to v2; v1 goes when nothing seals it any more.
  return bytes.length === frameBytes && (bytes[0] === FRAME_VERSION || bytes[0] === FRAME_VERSION_V2);
}

export function assertFrame(bytes: Uint8Array, frameBytes: number, operation: string, version: number = FRAME_VERSION): void {
  if (bytes.length !== frameBytes) {
    throw new CircleError(ErrorCode.BlobSize, operation, `a frame must be exactly ${frameBytes} bytes, got ${bytes.length}`);
  }
  if (bytes[0] !== version) {
    throw new CircleError(ErrorCode.BadRequest, operation, `unknown frame version ${bytes[0]}`);
  }
}

/** Splits `data` into chunks of at most `chunkBytes` (the last one may be shorter; empty data gives one empty chunk). */
export function chunkBytes(data: Uint8Array, chunkBytes: number): Uint8Array[] {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1)
    throw new CircleError(ErrorCode.BadRequest, 'chunk', 'chunk size must be a positive integer');
  if (data.length === 0) return [new Uint8Array(0)];
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < data.length; offset += chunkBytes) chunks.push(data.subarray(offset, offset + chunkBytes));
  return chunks;
}

/** Joins chunks back into the original bytes. Decode text only after this (UTF-8 may straddle chunks). */
export const reassembleChunks = (chunks: readonly Uint8Array[]): Uint8Array => concatBytes(...chunks);

/** Pads `content` with zeros to exactly `size` bytes behind a 4-byte big-endian length. */
export function padToSize(content: Uint8Array, size: number): Uint8Array {
  return padInto(new Uint8Array(size), content);
}

/** padToSize into `out` (its whole length), overwriting what it held; returns `out`. */
export function padInto(out: Uint8Array, content: Uint8Array): Uint8Array {
  if (content.length + 4 > out.length)
    throw new CircleError(ErrorCode.PayloadTooLarge, 'pad', `content of ${content.length} bytes does not fit in ${out.length - 4}`);
  new DataView(out.buffer, out.byteOffset, 4).setUint32(0, content.length, false);
  out.set(content, 4);
  out.fill(0, 4 + content.length);
  return out;
}

/** Inverse of padToSize; rejects a length that overruns or padding that is not all zero. */
export function unpad(padded: Uint8Array, operation: string): Uint8Array {
  const invalid = () => new CircleError(ErrorCode.EnvelopeInvalid, operation, 'malformed padding');
  if (padded.length < 4) throw invalid();
  const length = new DataView(padded.buffer, padded.byteOffset, 4).getUint32(0, false);
  if (length > padded.length - 4) throw invalid();
  if (!isAllZero(padded.subarray(4 + length))) throw invalid();
  return padded.subarray(4, 4 + length);
}
