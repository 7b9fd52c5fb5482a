/** signal:send: live-only sealed frames (typing, call signalling), forwarded and never stored. */
import { CircleError, ErrorCode, SIGNAL_BYTES, isFrame } from '@circle/protocol';
import { mailboxRoom, type Handler } from './context.js';

export const sendSignal: Handler<'signal:send'> = async (p, socket, parts) => {
  if (!isFrame(p.bytes, SIGNAL_BYTES)) {
    throw new CircleError(
      ErrorCode.BlobSize,
      'signal:send',
      `a signal frame must be exactly ${SIGNAL_BYTES} bytes with frame version 1 (got ${p.bytes.length})`,
    );
  }
  if (!parts.signalLimits.take(socket.data.keyHash))
    throw new CircleError(ErrorCode.RateLimited, 'signal:send', 'signalling too fast: slow down');
  if ((await parts.members.ownerOf(p.to)) === null)
    throw new CircleError(ErrorCode.NotMember, 'signal:send', 'the recipient is not an active member or device of this circle');
  const room = mailboxRoom(p.to);
  parts.io.to(room).emit('signal:recv', { bytes: p.bytes });
  parts.metrics.signalsRelayed.inc();
  // This node's sockets for that member (other nodes deliver too, but are not counted here).
  return { delivered: parts.io.of('/').adapter.rooms.get(room)?.size ?? 0 };
};
