/** blob:put, mailbox:list, blob:fetch, blob:delete: the relay's store-and-forward core. */
import { BLOB_BYTES, CircleError, ErrorCode, computeExpiry, deleteProofHash, fromHex, isFrame } from '@circle/protocol';
import { mailboxRoom, type Handler, type RelayParts } from './context.js';
import { inboxOf } from './devices.js';

const DEFAULT_PAGE = 200;

export const putBlob: Handler<'blob:put'> = async (p, _socket, parts) => {
  const started = performance.now();
  if (!isFrame(p.bytes, BLOB_BYTES)) {
    throw new CircleError(
      ErrorCode.BlobSize,
      'blob:put',
      `a blob must be exactly ${BLOB_BYTES} bytes with frame version 1 (got ${p.bytes.length} bytes)`,
    );
  }
  const expiresAt = computeExpiry(parts.clock());
  // A revoked (or unknown) recipient is answered like any other and nothing is stored: whether
  // a member was revoked is the operator's business, not other members' (SECURITY.md §2.4).
  if ((await parts.members.ownerOf(p.to)) === null) return { expiresAt };
  // Store, then push: nothing reaches a recipient, live or by sync, before it is committed. The
  // store enforces the mailbox quota atomically (QuotaExceeded), across relay nodes.
  const stored = await parts.blobs.put({
    id: p.id,
    mailbox: p.to,
    bytes: p.bytes,
    expiresAt: new Date(expiresAt),
    deleteProofHash: p.deleteProofHash,
  });
  // An id that exists (the sender's retry after a lost ack, or an id in any other mailbox) is
  // answered like a stored blob, so no answer tells whether, or where, an id is stored.
  if (!stored) return { expiresAt };
  pushLocally(parts, p.to, { id: p.id, expiresAt, bytes: p.bytes });
  parts.metrics.blobsStored.inc();
  if (parts.clustered) parts.io.serverSideEmit('blob:stored', { id: p.id, mailbox: p.to });
  parts.metrics.putLatency.observe(performance.now() - started);
  return { expiresAt };
};

export function pushLocally(parts: RelayParts, mailbox: string, blob: { id: string; expiresAt: number; bytes: Uint8Array }): void {
  const room = mailboxRoom(mailbox);
  const sockets = parts.io.of('/').adapter.rooms.get(room)?.size ?? 0;
  if (sockets === 0) return; // recipient offline here: Socket.IO would encode the packet for nobody
  parts.io.local.to(room).emit('blob:new', blob);
  parts.metrics.blobsDeliveredLive.inc('', sockets);
}

/** Another relay node stored a blob: deliver it to this node's sockets for that mailbox. */
export async function deliverStoredElsewhere(parts: RelayParts, note: { id: string; mailbox: string }): Promise<void> {
  const [blob] = await parts.blobs.fetch(note.mailbox, [note.id]);
  if (blob) pushLocally(parts, note.mailbox, blob);
}

export const listMailbox: Handler<'mailbox:list'> = async (p, socket, parts) =>
  parts.blobs.list(inboxOf(socket), { cursor: p.cursor, limit: p.limit ?? DEFAULT_PAGE });

export const fetchBlobs: Handler<'blob:fetch'> = async (p, socket, parts) => ({
  blobs: await parts.blobs.fetch(inboxOf(socket), p.ids),
});

/** One answer for "not there" and "not yours", so a delete cannot probe other mailboxes. */
const noSuchBlob = () =>
  new CircleError(
    ErrorCode.NotFound,
    'blob:delete',
    'no such blob that you may delete (already deleted or expired, or neither in your mailbox nor proven by its deletion secret)',
  );

export const deleteBlob: Handler<'blob:delete'> = async (p, socket, parts) => {
  const owner = await parts.blobs.get(p.id);
  if (!owner) throw noSuchBlob();
  // The recipient: this device, or any mailbox of the same member (its other devices).
  const ownsMailbox = owner.mailbox === inboxOf(socket) || (await parts.members.ownerOf(owner.mailbox)) === socket.data.mailbox;
  const provesSecret = p.proof !== undefined && deleteProofHash(fromHex(p.proof)) === owner.deleteProofHash;
  if (!ownsMailbox && !provesSecret) throw noSuchBlob();
  const deleted = await parts.blobs.delete(p.id);
  if (deleted) parts.metrics.blobsDeleted.inc();
  return { deleted };
};
