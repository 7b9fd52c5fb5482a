/** signal:send: live-only sealed frames (typing, call signalling), forwarded and never stored. */
import { CircleError, ErrorCode, SIGNAL_BYTES, isFrame } from '@circle/protocol';
import { mailboxRoom, type Handler } from './context.js';

export const sendSignal: Handler<'signal:send'> = async (p, _socket, parts) => {
  if (!isFrame(p.bytes, SIGNAL_BYTES)) {
    throw new CircleError(
      ErrorCode.BlobSize,
      'signal:send',
      `a signal frame must be exactly ${SIGNAL_BYTES} bytes with frame version 1 (got ${p.bytes.length})`,
    );
  }
  // A revoked recipient is answered like an offline one; no answer says how many sockets,
  // if any, received the frame (SECURITY.md §2.4).
  if ((await parts.members.ownerOf(p.to)) === null) return {};
  parts.io.to(mailboxRoom(p.to)).emit('signal:recv', { bytes: p.bytes });
  parts.metrics.signalsRelayed.inc();
  return {};
};
