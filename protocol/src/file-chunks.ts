/**
 * File chunks (docs/PROTOCOL.md §6). A file is split into CHUNK_CAPACITY pieces, each
 * sealed under a random per-file key that travels only inside the sealed manifest:
 *
 *   frame_i = 0x01 || R_i || AES-256-GCM(fileKey, nonce = u32(i) || 0^8, pad(chunk_i),
 *             aad = 0x01 || R_i || fileId)
 *   digest  = SHA-256( 'circle/v1/file-digest' || u32(n) || SHA-256(frame_0) || ... || SHA-256(frame_n-1) )
 *
 * R_i, an X25519 public key whose secret nobody keeps, makes a chunk frame look like an
 * envelope frame (§6.1). Nonces are unique per key because each file key is fresh (one per
 * recipient) and each index is used once. The digest goes into the manifest and commits the
 * sender to every byte of every frame. A GCM tag alone would not: tags are linear in the
 * ciphertext, so anyone holding the file key can change a chunk and keep its tag.
 *
 * @example
 *   const { frames, digest } = await sealFile(bytes, fileKey, fileId);
 *   const back = await openFile(frames, fileKey, fileId, digest);
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, u32 } from './bytes.js';
import { mapConcurrently } from './concurrency.js';
import {
  BLOB_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_VERSION,
  assertFrame,
  chunkBytes,
  framePlaintextBytes,
  padInto,
  reassembleChunks,
  unpad,
} from './blob.js';
import { nativeSuite } from './crypto/native.js';
import { AES_KEY_BYTES, GCM_NONCE_BYTES, type AesGcmKey, type CryptoSuite } from './crypto/suite.js';
import { CircleError, ErrorCode } from './errors.js';
import { LABEL } from './labels.js';

export const FILE_ID_BYTES = 16;
export const FILE_KEY_BYTES = AES_KEY_BYTES;
export const FILE_DIGEST_BYTES = 32;
/** File bytes carried per 64 KiB blob. */
export const CHUNK_CAPACITY = framePlaintextBytes(BLOB_BYTES) - 4;
/** Largest file Circle sends: 1,025 chunks, whose blob ids (~40 KB as JSON) fit one manifest envelope. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/**
 * Chunks sealed or opened at once. WebCrypto copies each chunk when the call starts and works
 * on a thread pool (4 threads in Node); with every chunk of a file started at once, the copies
 * of chunks still queued fall out of the CPU cache before their turn and the whole file is held
 * twice. Four at a time, the 16 MiB file path took 57–66 ms against 62–79 ms all at once (2 cores,
 * alternated in one process).
 */
export const CHUNKS_IN_FLIGHT = 4;

function chunkNonce(index: number): Uint8Array {
  const nonce = new Uint8Array(GCM_NONCE_BYTES);
  nonce.set(u32(index), 0);
  return nonce;
}

/**
 * The deletion secret of chunk `index` (its `deleteProofHash` is SHA-256 of this):
 * HKDF-SHA-256(ikm = fileKey, salt = fileId, info = 'circle/v1/chunk-delete' || u32(index), 32).
 * Whoever holds the manifest (the recipient, and the sender through its own copy) can delete
 * the file's chunks; the relay sees unrelated hashes, one per chunk.
 */
export function chunkDeleteSecret(fileKey: Uint8Array, fileId: Uint8Array, index: number): Uint8Array {
  if (fileKey.length !== FILE_KEY_BYTES || fileId.length !== FILE_ID_BYTES)
    throw new CircleError(ErrorCode.BadRequest, 'file', 'bad file key or file id length');
  return hkdf(sha256, fileKey, fileId, concatBytes(LABEL.chunkDelete, u32(index)), 32);
}

const integrityFailure = (message: string) => new CircleError(ErrorCode.IntegrityFailure, 'file', message);

export function countFileChunks(fileBytes: number): number {
  return Math.max(1, Math.ceil(fileBytes / CHUNK_CAPACITY));
}

/** A per-file key imported once, sealing and opening that file's chunks. */
export class FileCipher {
  private readonly plaintext = new Uint8Array(framePlaintextBytes(BLOB_BYTES));
  private constructor(
    private readonly key: AesGcmKey,
    private readonly fileId: Uint8Array,
    private readonly suite: CryptoSuite,
  ) {}

  static async create(fileKey: Uint8Array, fileId: Uint8Array, suite: CryptoSuite = nativeSuite): Promise<FileCipher> {
    if (fileKey.length !== FILE_KEY_BYTES || fileId.length !== FILE_ID_BYTES)
      throw new CircleError(ErrorCode.BadRequest, 'file', 'bad file key or file id length');
    return new FileCipher(await suite.aesGcmKey(fileKey), fileId, suite);
  }

  async sealChunk(chunk: Uint8Array, index: number): Promise<Uint8Array> {
    // R is the public key of a fresh X25519 pair whose secret is dropped at once: like an
    // envelope's E, a point of the prime-order subgroup, so no check on it tells the two apart.
    const r = await this.suite.x25519ThrowawayPublicKey();
    const header = concatBytes(Uint8Array.of(FRAME_VERSION), r);
    // One padded-plaintext buffer serves every chunk: seal copies it before it returns.
    const sealed = await this.key.seal(chunkNonce(index), padInto(this.plaintext, chunk), concatBytes(header, this.fileId));
    return concatBytes(header, sealed);
  }

  async openChunk(frame: Uint8Array, index: number): Promise<Uint8Array> {
    assertFrame(frame, BLOB_BYTES, 'file-chunk');
    const header = frame.subarray(0, FRAME_HEADER_BYTES);
    const padded = await this.key
      .open(chunkNonce(index), frame.subarray(FRAME_HEADER_BYTES), concatBytes(header, this.fileId))
      .catch(() => {
        throw integrityFailure(`file chunk ${index} failed authentication`);
      });
    return unpad(padded, 'file-chunk');
  }

  /** What one frame contributes to the file digest: SHA-256 of the whole frame. */
  frameDigest(frame: Uint8Array): Promise<Uint8Array> {
    assertFrame(frame, BLOB_BYTES, 'file-chunk');
    return this.suite.sha256(frame);
  }

  /** The manifest digest: a labelled SHA-256 over the frames' hashes, in chunk order. */
  fileDigest(frameDigests: readonly Uint8Array[]): Promise<Uint8Array> {
    return this.suite.sha256(concatBytes(LABEL.fileDigest, u32(frameDigests.length), ...frameDigests));
  }
}

export async function sealFile(
  file: Uint8Array,
  fileKey: Uint8Array,
  fileId: Uint8Array,
  suite: CryptoSuite = nativeSuite,
): Promise<{ frames: Uint8Array[]; digest: Uint8Array }> {
  if (file.length > MAX_FILE_BYTES)
    throw new CircleError(ErrorCode.PayloadTooLarge, 'file', `files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
  const cipher = await FileCipher.create(fileKey, fileId, suite);
  const sealed = await mapConcurrently(chunkBytes(file, CHUNK_CAPACITY), CHUNKS_IN_FLIGHT, async (chunk, i) => {
    const frame = await cipher.sealChunk(chunk, i);
    return { frame, digest: await cipher.frameDigest(frame) };
  });
  return { frames: sealed.map((s) => s.frame), digest: await cipher.fileDigest(sealed.map((s) => s.digest)) };
}

/** Opens and reassembles a whole file, checking every chunk and the manifest digest. */
export async function openFile(
  frames: readonly Uint8Array[],
  fileKey: Uint8Array,
  fileId: Uint8Array,
  expectedDigest: Uint8Array,
  suite: CryptoSuite = nativeSuite,
): Promise<Uint8Array> {
  const cipher = await FileCipher.create(fileKey, fileId, suite);
  const opened = await mapConcurrently(frames, CHUNKS_IN_FLIGHT, async (f, i) => ({
    chunk: await cipher.openChunk(f, i),
    digest: await cipher.frameDigest(f),
  }));
  if (!equalBytes(await cipher.fileDigest(opened.map((o) => o.digest)), expectedDigest)) {
    throw integrityFailure('the file does not match its manifest (missing, extra or replaced chunks)');
  }
  return reassembleChunks(opened.map((o) => o.chunk));
}
