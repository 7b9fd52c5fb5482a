/**
 * File chunks (docs/PROTOCOL.md §6). A file is split into CHUNK_CAPACITY pieces, each
 * sealed under a random per-file key that travels only inside the sealed manifest:
 *
 *   frame = 0x01 || R(32 random bytes) || AES-256-GCM(fileKey, nonce = u32(index) || 0^8,
 *           pad(chunk), aad = 0x01 || R || fileId)
 *
 * The random R makes a chunk frame look exactly like an envelope frame. Nonces are unique
 * per key because each file key is fresh and each index is used once.
 *
 * @example
 *   const frames = await sealFileChunks(bytes, fileKey, fileId);
 *   const back = await openFileChunks(frames, fileKey, fileId);
 */
import { concatBytes, u32 } from './bytes.js';
import { BLOB_BYTES, FRAME_HEADER_BYTES, FRAME_VERSION, assertFrame, chunkBytes, framePlaintextBytes, padToSize, reassembleChunks, unpad } from './blob.js';
import { nativeSuite } from './crypto/native.js';
import { AES_KEY_BYTES, GCM_NONCE_BYTES, KEY_BYTES, type CryptoSuite } from './crypto/suite.js';
import { CircleError, ErrorCode } from './errors.js';

export const FILE_ID_BYTES = 16;
export const FILE_KEY_BYTES = AES_KEY_BYTES;
/** File bytes carried per 64 KiB blob. */
export const CHUNK_CAPACITY = framePlaintextBytes(BLOB_BYTES) - 4;
/** Largest file Circle sends; its manifest (16-byte blob ids) must fit one envelope. */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;

function chunkNonce(index: number): Uint8Array {
  const nonce = new Uint8Array(GCM_NONCE_BYTES);
  nonce.set(u32(index), 0);
  return nonce;
}

export async function sealFileChunk(chunk: Uint8Array, index: number, fileKey: Uint8Array, fileId: Uint8Array, suite: CryptoSuite = nativeSuite): Promise<Uint8Array> {
  const header = concatBytes(Uint8Array.of(FRAME_VERSION), suite.randomBytes(KEY_BYTES));
  const sealed = await suite.aesGcmSeal(fileKey, chunkNonce(index), padToSize(chunk, framePlaintextBytes(BLOB_BYTES)), concatBytes(header, fileId));
  return concatBytes(header, sealed);
}

export async function openFileChunk(frame: Uint8Array, index: number, fileKey: Uint8Array, fileId: Uint8Array, suite: CryptoSuite = nativeSuite): Promise<Uint8Array> {
  assertFrame(frame, BLOB_BYTES, 'file-chunk');
  const header = frame.subarray(0, FRAME_HEADER_BYTES);
  const padded = await suite.aesGcmOpen(fileKey, chunkNonce(index), frame.subarray(FRAME_HEADER_BYTES), concatBytes(header, fileId)).catch(() => {
    throw new CircleError(ErrorCode.IntegrityFailure, 'file-chunk', `file chunk ${index} failed authentication`);
  });
  return unpad(padded, 'file-chunk');
}

export function countFileChunks(fileBytes: number): number {
  return Math.max(1, Math.ceil(fileBytes / CHUNK_CAPACITY));
}

export async function sealFileChunks(file: Uint8Array, fileKey: Uint8Array, fileId: Uint8Array, suite: CryptoSuite = nativeSuite): Promise<Uint8Array[]> {
  if (file.length > MAX_FILE_BYTES) throw new CircleError(ErrorCode.PayloadTooLarge, 'file', `files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
  return Promise.all(chunkBytes(file, CHUNK_CAPACITY).map((c, i) => sealFileChunk(c, i, fileKey, fileId, suite)));
}

export async function openFileChunks(frames: readonly Uint8Array[], fileKey: Uint8Array, fileId: Uint8Array, suite: CryptoSuite = nativeSuite): Promise<Uint8Array> {
  return reassembleChunks(await Promise.all(frames.map((f, i) => openFileChunk(f, i, fileKey, fileId, suite))));
}
