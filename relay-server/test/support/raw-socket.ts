/**
 * A member's login and requests without the client core: a raw Socket.IO client that makes
 * exactly one attempt, for tests that must see each refusal or place a socket on one node.
 */
import { io as connectSocket, type Socket } from 'socket.io-client';
import { fromBase64Url, signRelayChallenge, toBase64Url, type MemberKeys } from '@circle/protocol';

export interface RawAuth {
  challenge: string;
  publicKey: string;
  signature: string;
}

/** GET /auth/challenge from `url`. */
export async function fetchChallenge(url: string): Promise<string> {
  const res = await fetch(`${url}/auth/challenge`);
  return ((await res.json()) as { challenge: string }).challenge;
}

/** Signs `challenge` (fetched from `url` when not given) with member `k`'s key, for `origin`. */
export async function signedAuth(k: MemberKeys, url: string, origin: string, challenge?: string): Promise<RawAuth> {
  const c = challenge ?? (await fetchChallenge(url));
  const proof = await signRelayChallenge(k.ed25519Seed, k.member.ed25519PublicKey, fromBase64Url(c), origin);
  return { challenge: c, publicKey: toBase64Url(proof.publicKey), signature: toBase64Url(proof.signature) };
}

/** Connects once with `auth`; resolves with the socket or the refusal's error data. */
export function rawConnect(url: string, auth: unknown): Promise<{ socket?: Socket; error?: { code: string; message: string } }> {
  return new Promise((resolve) => {
    const socket = connectSocket(url, {
      transports: ['websocket'],
      auth: auth as Record<string, unknown>,
      reconnection: false,
      forceNew: true,
    });
    socket.on('connect', () => resolve({ socket }));
    socket.on('connect_error', (err: Error & { data?: { code: string; message: string } }) => {
      socket.close();
      resolve({ error: err.data ?? { code: 'transport', message: err.message } });
    });
  });
}

export interface RawResult {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

/** One request with its ack, as the relay answers it. */
export function rawRequest(socket: Socket, event: string, payload: unknown, timeoutMs = 5000): Promise<RawResult> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<RawResult>;
}
