/** Unsend: deleting every copy of a message I sent, then telling its recipients. */
import {
  chunkDeleteSecret,
  fromHex,
  mapConcurrently,
  toHex,
  type Conversation,
  type FileManifest,
  type MessageContent,
} from '@circle/protocol';
import type { Contact } from './directory.js';
import type { MessageSender, SentMessage } from './message-sender.js';
import type { RelayConnection } from './relay-connection.js';

/** Everything unsend deletes, gathered from my own copies of the message. */
export interface UnsendPlan {
  sent: MessageContent['sent'];
  ownBlobIds: readonly string[];
  files: readonly FileManifest[];
}

/** Chunk deletions in flight during unsend. */
const DELETES_IN_FLIGHT = 8;

/**
 * Deletes every copy of a message I sent (each recipient's, with its deletion secret; a file's
 * chunks, with secrets derived from its manifest; my own), then tells the recipients.
 * A copy already gone (fetched and deleted, or expired) is skipped.
 */
export async function unsendMessage(
  connection: RelayConnection,
  sender: MessageSender,
  conversation: Conversation,
  messageId: string,
  plan: UnsendPlan,
  recipients: Contact[],
): Promise<SentMessage> {
  const deletions: { id: string; proof?: string }[] = [
    ...(plan.sent?.copies ?? []).map((c) => ({ id: c.blobId, proof: c.deleteSecret })),
    ...plan.files.flatMap((f) => f.chunks.map((id, i) => ({ id, proof: toHex(chunkDeleteSecret(fromHex(f.key), fromHex(f.id), i)) }))),
    ...plan.ownBlobIds.map((id) => ({ id })),
  ];
  await mapConcurrently(deletions, DELETES_IN_FLIGHT, (d) => connection.request('blob:delete', d).catch(() => undefined));
  return sender.send(conversation, { type: 'unsend', target: messageId }, recipients);
}
