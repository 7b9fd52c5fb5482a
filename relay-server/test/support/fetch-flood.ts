/**
 * The memory attack of issue 17, shared by the hostile-member tests and `npm run bench -- hostile`:
 * a member opens a socket, stops reading it (only an Engine.IO pong now and then, unasked, so it
 * looks alive), and sends `blob:fetch` for its own blobs as fast as its own send buffer allows.
 * When the relay drops the socket, the attacker opens another.
 */
import { fromBase64Url, signRelayChallenge, toBase64Url, type MemberKeys } from '@circle/protocol';
import { io as connectSocket, type Socket } from 'socket.io-client';

export interface RawLogin {
  socket?: Socket;
  error?: { code: string; message: string };
}

/** A raw authenticated Socket.IO connection for `keys`, as a hostile member's script opens one. */
export async function rawLogin(url: string, keys: MemberKeys): Promise<RawLogin> {
  const challenge = ((await (await fetch(`${url}/auth/challenge`)).json()) as { challenge: string }).challenge;
  const proof = await signRelayChallenge(keys.ed25519Seed, keys.member.ed25519PublicKey, fromBase64Url(challenge), url);
  const auth = { challenge, publicKey: toBase64Url(proof.publicKey), signature: toBase64Url(proof.signature) };
  return new Promise((resolve) => {
    const socket = connectSocket(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
    socket.on('connect', () => resolve({ socket }));
    socket.on('connect_error', (err: Error & { data?: { code: string; message: string } }) => {
      socket.close();
      resolve({ error: err.data ?? { code: 'transport', message: err.message } });
    });
  });
}

/** The `ws` WebSocket under a socket.io-client socket (Node), and its TCP socket. */
interface ClientWs {
  _socket: { pause(): void };
  bufferedAmount: number;
  send(data: string): void;
}
const wsOf = (socket: Socket) => (socket.io.engine as unknown as { transport: { ws: ClientWs } }).transport.ws;

export interface FloodResult {
  /** blob:fetch requests written. */
  requests: number;
  /** Sockets the attacker opened (the relay dropped all but the last). */
  sockets: number;
}

/**
 * Floods `blob:fetch { ids }` from non-reading sockets of `keys` until `until` (Date.now()), calling
 * `tick` every 20 ms (to sample the relay's memory).
 */
export async function floodBlobFetch(
  url: string,
  keys: MemberKeys,
  ids: string[],
  until: number,
  tick: () => void = () => undefined,
): Promise<FloodResult> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const result: FloodResult = { requests: 0, sockets: 0 };
  while (Date.now() < until) {
    const { socket } = await rawLogin(url, keys);
    if (!socket) {
      tick();
      await sleep(100);
      continue;
    }
    result.sockets++;
    const ws = wsOf(socket);
    ws._socket.pause();
    const pong = setInterval(() => ws.send('3'), 3000);
    while (Date.now() < until && socket.connected) {
      // Keep the attacker's own send buffer small: the relay is what must not buffer.
      if (ws.bufferedAmount < 256 * 1024)
        for (let i = 0; i < 50; i++, result.requests++) socket.emit('blob:fetch', { ids }, () => undefined);
      tick();
      await sleep(20);
    }
    clearInterval(pong);
    socket.close();
  }
  return result;
}
