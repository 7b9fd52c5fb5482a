/** Presence among authenticated members: online while any of their sockets is connected. */
import type { Handler, RelayParts, RelaySocket } from './context.js';
import { mailboxRoom } from './context.js';

export async function onlineMailboxes(parts: RelayParts): Promise<string[]> {
  const sockets = await parts.io.fetchSockets();
  return [...new Set(sockets.map((s) => s.data.mailbox))];
}

export const listPresence: Handler<'presence:list'> = async (_p, _socket, parts) => ({ online: await onlineMailboxes(parts) });

/** Announces a member online on their first socket, offline when their last one leaves. */
export async function announcePresence(parts: RelayParts, socket: RelaySocket, online: boolean): Promise<void> {
  const remaining = await parts.io.in(mailboxRoom(socket.data.mailbox)).fetchSockets();
  const others = remaining.filter((s) => s.id !== socket.id).length;
  if (others === 0) parts.io.emit('presence:update', { mailbox: socket.data.mailbox, online });
}
