/** Lists the mailbox and opens what is new in it, once per call and again while a failed sync can be retried. */
import { MAX_FETCH_IDS, isChunkBlobId } from '@circle/protocol';
import { inBatches } from './batches.js';
import type { ChunkTagKeys } from './chunk-tag-keys.js';
import type { MessageReceiver } from './message-receiver.js';
import type { RelayConnection } from './relay-connection.js';

/** Waits before retrying a failed sync while online (see syncWhileOnline); the last repeats. */
const SYNC_RETRY_MS = [1_000, 5_000, 30_000];

export class MailboxSync {
  private syncing: Promise<number> | undefined;
  /** A sync asked for while one runs: it runs after, since the running one may have listed too early. */
  private syncAgain: Promise<number> | undefined;
  private syncRetry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly connection: RelayConnection,
    private readonly receiver: MessageReceiver,
    private readonly chunkTagKeys: ChunkTagKeys,
    private readonly onSynced: (count: number) => void,
  ) {}

  /**
   * Lists and opens everything in the mailbox; returns new messages seen. Safe to call repeatedly:
   * calls made while a sync runs share one more sync after it, so every call sees what the
   * mailbox held when it was made (a reconnect during a sync is not folded into the old one).
   */
  sync(): Promise<number> {
    if (!this.syncing) {
      this.syncing = this.syncOnce().finally(() => (this.syncing = undefined));
      return this.syncing;
    }
    this.syncAgain ??= this.syncing.then(
      () => this.syncNext(),
      () => this.syncNext(),
    );
    return this.syncAgain;
  }

  /**
   * The sync after coming online. If it fails (the relay answered an error, or did not answer),
   * it is retried while the connection stays up: 1 s, 5 s, then every 30 s. Otherwise what
   * waited in the mailbox would show only after the next reconnect.
   */
  syncWhileOnline(attempt = 0): void {
    clearTimeout(this.syncRetry);
    this.sync().catch(() => {
      if (this.connection.state !== 'online') return; // the next 'online' syncs again
      const delay = SYNC_RETRY_MS[Math.min(attempt, SYNC_RETRY_MS.length - 1)]!;
      this.syncRetry = setTimeout(() => this.connection.state === 'online' && this.syncWhileOnline(attempt + 1), delay);
    });
  }

  /** Stops a pending retry. */
  stop(): void {
    clearTimeout(this.syncRetry);
  }

  private syncNext(): Promise<number> {
    this.syncAgain = undefined;
    return this.sync();
  }

  private async syncOnce(): Promise<number> {
    let cursor: string | undefined;
    const ids: string[] = [];
    const chunkKeys = await this.chunkTagKeys.all();
    do {
      const page = await this.connection.request('mailbox:list', { cursor, limit: 500 });
      // File chunks are fetched when their file is opened, not here.
      for (const b of page.blobs) if (!this.receiver.hasSeen(b.id) && !isChunkBlobId(b.id, chunkKeys)) ids.push(b.id);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    let count = 0;
    for (const batch of inBatches(ids, MAX_FETCH_IDS)) {
      const { blobs } = await this.connection.request('blob:fetch', { ids: batch });
      for (const b of blobs) if (await this.receiver.accept(b)) count++;
    }
    this.onSynced(count);
    return count;
  }
}
