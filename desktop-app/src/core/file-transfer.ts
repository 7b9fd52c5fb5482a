/** Files: sending (chunks sealed under a fresh file key per recipient, then a manifest message) and downloading. */
import {
  CircleError,
  ErrorCode,
  FileCipher,
  MAX_FILE_BYTES,
  MAX_FETCH_IDS,
  chunkBlobId,
  chunkDeleteSecret,
  countFileChunks,
  deleteProofHash,
  equalBytes,
  fromHex,
  nativeSuite,
  sealFile,
  toHex,
  type Conversation,
  type FileManifest,
} from '@circle/protocol';
import { inBatches } from './batches.js';
import type { ChunkTagKeys } from './chunk-tag-keys.js';
import type { Contact } from './directory.js';
import type { LiveChunks } from './live-chunks.js';
import type { MessageSender, SentMessage } from './message-sender.js';
import type { Outbox } from './outbox.js';
import type { RelayConnection } from './relay-connection.js';

export interface ProgressEvent {
  done: number;
  total: number;
}

export interface SendFileOptions {
  caption?: string;
  messageId?: string;
  onProgress?: (p: ProgressEvent) => void;
  cancel?: { cancelled: boolean };
}

export class FileTransfer {
  constructor(
    private readonly connection: RelayConnection,
    private readonly outbox: Outbox,
    private readonly sender: MessageSender,
    private readonly chunkTagKeys: ChunkTagKeys,
    private readonly liveChunks: LiveChunks,
  ) {}

  /** Sends a file: chunks sealed under a fresh file key, then a manifest message per recipient. */
  async sendFile(
    conversation: Conversation,
    file: { name: string; mime: string; bytes: Uint8Array },
    recipients: Contact[],
    opts: SendFileOptions = {},
  ): Promise<SentMessage> {
    if (file.bytes.length > MAX_FILE_BYTES)
      throw new CircleError(ErrorCode.PayloadTooLarge, 'send-file', `files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
    const total = countFileChunks(file.bytes.length) * recipients.length;
    let done = 0;
    const messageId = opts.messageId ?? toHex(nativeSuite.randomBytes(16));
    const manifests = new Map<string, FileManifest>();
    // Each recipient gets the file under its own key, so no two mailboxes hold the same bytes,
    // and each chunk gets its own deletion proof hash (derived per chunk), so chunks cannot be grouped by it.
    for (const to of recipients) {
      const fileKey = nativeSuite.randomBytes(32);
      const fileId = nativeSuite.randomBytes(16);
      const { frames, digest } = await sealFile(file.bytes, fileKey, fileId);
      const tagKey = await this.chunkTagKeys.for(to);
      const ids = frames.map(() => chunkBlobId(tagKey));
      await Promise.all(
        frames.map(async (bytes, i) => {
          const proof = deleteProofHash(chunkDeleteSecret(fileKey, fileId, i));
          await this.outbox.put({ id: ids[i]!, to: to.mailbox, bytes, deleteProofHash: proof }, opts.cancel);
          opts.onProgress?.({ done: ++done, total });
        }),
      );
      manifests.set(to.id, {
        id: toHex(fileId),
        name: file.name,
        mime: file.mime,
        size: file.bytes.length,
        key: toHex(fileKey),
        digest: toHex(digest),
        chunks: ids,
      });
    }
    // One manifest per recipient (their own chunk ids), all under one message id.
    const results = await Promise.all(
      recipients.map((to) =>
        this.sender.send(conversation, { type: 'file', file: manifests.get(to.id)!, caption: opts.caption }, [to], { messageId }),
      ),
    );
    return {
      messageId,
      sentAt: results[0]?.sentAt ?? Date.now(),
      counter: results[0]?.counter ?? 0n,
      copies: results.flatMap((r) => r.copies),
      failed: results.flatMap((r) => r.failed),
      record: { copies: results.flatMap((r) => r.record.copies) },
      ownBlobIds: results.flatMap((r) => r.ownBlobIds),
      files: results.flatMap((r) => r.files),
    };
  }

  /** Downloads, checks and reassembles a received file. */
  async downloadFile(manifest: FileManifest, onProgress?: (p: ProgressEvent) => void): Promise<Uint8Array> {
    const cipher = await FileCipher.create(fromHex(manifest.key), fromHex(manifest.id));
    const chunks: Uint8Array[] = new Array<Uint8Array>(manifest.chunks.length);
    const digests: Uint8Array[] = new Array<Uint8Array>(manifest.chunks.length);
    let done = 0;
    await this.liveChunks.settled(); // chunks pushed before the manifest are kept by now
    for (const [batchIndex, ids] of inBatches(manifest.chunks, MAX_FETCH_IDS).entries()) {
      const byId = new Map<string, Uint8Array>();
      for (const id of ids) {
        const kept = this.liveChunks.take(id);
        if (kept) byId.set(id, kept);
      }
      const missing = ids.filter((id) => !byId.has(id));
      if (missing.length > 0)
        for (const b of (await this.connection.request('blob:fetch', { ids: missing })).blobs) byId.set(b.id, b.bytes);
      await Promise.all(
        ids.map(async (id, j) => {
          const index = batchIndex * MAX_FETCH_IDS + j;
          const frame = byId.get(id);
          if (!frame)
            throw new CircleError(ErrorCode.NotFound, 'download', 'part of this file is no longer on the relay (expired or deleted)');
          [chunks[index], digests[index]] = await Promise.all([cipher.openChunk(frame, index), cipher.frameDigest(frame)]);
        }),
      );
      done += ids.length;
      onProgress?.({ done, total: manifest.chunks.length });
    }
    if (!equalBytes(await cipher.fileDigest(digests), fromHex(manifest.digest))) {
      throw new CircleError(ErrorCode.IntegrityFailure, 'download', 'the file does not match what the sender signed');
    }
    const out = new Uint8Array(manifest.size);
    let offset = 0;
    for (const c of chunks) {
      if (offset + c.length > out.length)
        throw new CircleError(ErrorCode.IntegrityFailure, 'download', 'the file is longer than its manifest says');
      out.set(c, offset);
      offset += c.length;
    }
    if (offset !== manifest.size)
      throw new CircleError(ErrorCode.IntegrityFailure, 'download', 'the file is shorter than its manifest says');
    return out;
  }
}
