/**
 * The baseline for relay latency, run in its own process like the relay: a minimal Socket.IO
 * server (websocket only, the relay's message size limit) that emits whatever one client
 * sends as `blob` to the clients that joined as `receiver`. Prints `ready <port>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { MAX_MESSAGE_BYTES } from '@circle/relay-server';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], maxHttpBufferSize: MAX_MESSAGE_BYTES, serveClient: false });
io.on('connection', (socket) => {
  if ((socket.handshake.auth as { role?: string }).role === 'receiver') void socket.join('receiver');
  socket.on('blob', (bytes: Uint8Array) => {
    io.to('receiver').emit('blob', bytes);
  });
});
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`ready ${(http.address() as AddressInfo).port}\n`));
const stop = () => void io.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
