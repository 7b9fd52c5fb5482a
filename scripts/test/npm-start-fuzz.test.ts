/**
 * No request kills `npm start`: its two network surfaces (the relay's HTTP routes and
 * Socket.IO events, the app's web server) are driven with generated garbage for a fixed
 * budget. Each malformed request must get a 4xx or a coded error (or a closed connection,
 * never a 5xx), and afterwards both still answer /health and a member still sends a message.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  decodeIdentityFile,
  fromBase64Url,
  isErrorCode,
  requests,
  signRelayChallenge,
  toBase64Url,
  type Identity,
} from '@circle/protocol';
import { CircleClient } from '@circle/desktop-app/core';
import { startNpmStart, type RunningStart } from './npm-start.js';

/** Generated cases per surface: a fixed budget, so the run time does not depend on luck. */
const RUNS = { http: 150, socketEvents: 300, rawFrames: 60, handshakes: 40 };

let start: RunningStart;
beforeAll(async () => {
  start = await startNpmStart();
}, 240_000);
afterAll(async () => start?.stop(), 60_000);

/** Sends raw bytes as one HTTP request; the status code of the answer, or null when the server closed without one. */
function rawRequest(port: number, bytes: Uint8Array | string): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = () => {
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      resolve(m ? Number(m[1]) : null);
    };
    const timer = setTimeout(done, 3_000);
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(answer)) {
        clearTimeout(timer);
        done();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      done();
    });
    socket.end(bytes);
  });
}

const percentGarbage = fc.constantFrom('%', '%E0%A4%A', '%zz', '%C0%AF', '%00', '%2e%2e/', '%%32%65', '%u002e', '%FF%FE', '%ED%A0%80');
const pathPart = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '..',
    '../..',
    '/../../../../etc/passwd',
    '..%2f..%2f',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '\\..\\',
    'index.html',
    'app.js',
  ),
  percentGarbage,
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const path = fc
  .array(pathPart, { maxLength: 6 })
  .map((parts) => `/${parts.join('/')}`)
  .chain((p) =>
    fc.oneof(
      fc.constant(p),
      fc.constant(p + '?'),
      fc.string({ maxLength: 20 }).map((q) => `${p}?${q}`),
    ),
  );
const method = fc.oneof(
  fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'BREW'),
  fc.string({ minLength: 1, maxLength: 12 }),
);
const header = fc.oneof(
  fc.tuple(
    fc.constantFrom('Host', 'Content-Length', 'Transfer-Encoding', 'Content-Type', 'Cookie', 'Upgrade', 'Connection'),
    fc.string({ maxLength: 30 }),
  ),
  fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 60 })),
  fc.tuple(
    fc.constant('X-Huge'),
    fc.integer({ min: 8_000, max: 70_000 }).map((n) => 'a'.repeat(n)),
  ),
);
const rawHttpRequest = fc
  .record({
    method,
    path,
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', ''),
    headers: fc.array(header, { maxLength: 8 }),
    duplicateHost: fc.boolean(),
    body: fc.oneof(fc.constant(''), fc.string({ maxLength: 200 }), fc.json()),
    garbage: fc.option(fc.uint8Array({ maxLength: 300 }), { freq: 6 }),
  })
  .map((r) => {
    if (r.garbage) return r.garbage;
    const headers = [['Host', 'localhost'], ...(r.duplicateHost ? [['Host', 'evil.example']] : []), ...r.headers, ['Connection', 'close']];
    return `${r.method} ${r.path} ${r.version}\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${r.body}`;
  });

async function fuzzHttp(port: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(rawHttpRequest, async (request) => {
      const status = await rawRequest(port, request);
      // An answer is either a success (a valid request that happened to name a file or route) or a 4xx.
      if (status !== null) expect(status, `answer to ${JSON.stringify(String(request).slice(0, 200))}`).toBeLessThan(500);
    }),
    { numRuns: RUNS.http },
  );
}

const portOf = (url: string) => Number(new URL(url).port);

async function expectHealthy(): Promise<void> {
  const [relay, app, page] = await Promise.all([fetch(`${start.relayUrl}/health`), fetch(`${start.appUrl}/health`), fetch(start.appUrl)]);
  expect(relay.status).toBe(200);
  expect(app.status).toBe(200);
  expect(page.status).toBe(200);
}

async function memberSendsAMessage(): Promise<void> {
  const [alice, bob] = await Promise.all([CircleClient.open(await start.identity(1)), CircleClient.open(await start.identity(2))]);
  try {
    const seen = new Promise<string>((resolve) => bob.on('message', (m) => m.content.body.type === 'text' && resolve(m.content.body.text)));
    alice.connect();
    bob.connect();
    await Promise.all([alice.waitOnline(), bob.waitOnline()]);
    const bobContact = alice.directory.byName('Bob')!;
    const text = `still here ${Date.now()}`;
    const sent = await alice.send({ kind: 'direct' }, { type: 'text', text }, [bobContact]);
    expect(sent.failed).toEqual([]);
    await expect(seen).resolves.toBe(text);
  } finally {
    alice.close();
    bob.close();
  }
}

/** A raw Socket.IO socket, authenticated as `identity`. */
async function authenticatedSocket(identity: Identity): Promise<Socket> {
  const { challenge } = (await (await fetch(`${start.relayUrl}/auth/challenge`)).json()) as { challenge: string };
  const me = identity.roster.members[identity.memberIndex]!;
  const proof = await signRelayChallenge(identity.ed25519Seed, me.ed25519PublicKey, fromBase64Url(challenge), start.relayUrl);
  const socket = io(start.relayUrl, {
    transports: ['websocket'],
    reconnection: false,
    auth: { challenge, publicKey: toBase64Url(proof.publicKey), signature: toBase64Url(proof.signature) },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

const eventName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...Object.keys(requests)) },
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'error', 'session:revoked', 'blob:new'),
  fc.string({ maxLength: 30 }),
);
const payload = fc.oneof(
  fc.anything({ maxDepth: 3, withTypedArray: true, withNullPrototype: true }),
  fc.record({ id: fc.anything(), to: fc.anything(), bytes: fc.anything(), ids: fc.anything(), roomId: fc.anything() }),
  fc.constant({ id: crypto.randomUUID(), to: 'x'.repeat(43), bytes: new Uint8Array(65_537), deleteProofHash: 'a'.repeat(64) }),
  fc.constant({ ids: Array.from({ length: 10_000 }, () => crypto.randomUUID()) }),
);

describe('npm start under generated garbage', () => {
  it('the app web server answers a malformed percent-encoded path with 400 and keeps running', async () => {
    expect(await rawRequest(portOf(start.appUrl), 'GET /%E0%A4%A HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')).toBe(400);
    expect(await rawRequest(portOf(start.appUrl), 'GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe(
      400,
    );
    expect(await rawRequest(portOf(start.appUrl), 'DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe(405);
    await expectHealthy();
  });

  it('the app web server answers every generated request with a status below 500', async () => {
    await fuzzHttp(portOf(start.appUrl));
    await expectHealthy();
  });

  it("the relay's HTTP routes answer every generated request with a status below 500", async () => {
    await fuzzHttp(portOf(start.relayUrl));
    await expectHealthy();
  });

  it('the relay refuses generated handshakes with a coded error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ maxDepth: 2 }), async (auth) => {
        const socket = io(start.relayUrl, { transports: ['websocket'], reconnection: false, auth: auth as object });
        const error = await new Promise<{ data?: { code?: unknown } } | 'connected' | 'closed' | 'no answer'>((resolve) => {
          const timer = setTimeout(() => resolve('no answer'), 5_000);
          socket.once('connect', () => resolve('connected'));
          // Auth that is not an object fails Socket.IO's own packet check: the relay closes the connection.
          socket.io.once('close', () => resolve('closed'));
          socket.once('connect_error', (err) => {
            clearTimeout(timer);
            resolve(err);
          });
        });
        socket.close();
        expect(error, `handshake with ${JSON.stringify(auth)?.slice(0, 200)}`).not.toBe('connected');
        expect(error, `handshake with ${JSON.stringify(auth)?.slice(0, 200)}`).not.toBe('no answer');
        if (typeof error === 'object' && error.data) expect(isErrorCode(error.data.code)).toBe(true);
      }),
      { numRuns: RUNS.handshakes },
    );
  });

  it('the relay answers every generated event of a member with a result or a coded error', async () => {
    // Carol and Dave take the garbage (and its logins, which the relay limits per identity); Alice and Bob send at the end.
    const carol = await decodeIdentityFile(await start.identity(3));
    let socket = await authenticatedSocket(carol);
    await fc.assert(
      fc.asyncProperty(eventName, payload, fc.boolean(), async (name, data, withAck) => {
        if (!socket.connected) socket = await authenticatedSocket(carol); // an oversized frame closes the connection, by design
        if (!withAck || !Object.hasOwn(requests, name)) {
          // Unknown events are ignored by the relay: nothing to wait for.
          if (withAck) socket.emit(name, data, () => undefined);
          else socket.emit(name, data);
          return;
        }
        const answer = (await socket
          .timeout(5_000)
          .emitWithAck(name, data)
          .catch(() => 'no answer')) as unknown;
        if (answer === 'no answer') {
          // Only a frame too large to accept goes unanswered: the relay closes that connection.
          expect(socket.connected, `no answer to a ${name} request`).toBe(false);
          return;
        }
        const result = answer as { ok: boolean; error?: { code: unknown } };
        if (!result.ok) expect(isErrorCode(result.error?.code), JSON.stringify(result)).toBe(true);
      }),
      { numRuns: RUNS.socketEvents },
    );
    socket.close();
    await expectHealthy();
  }, 240_000);

  it('the relay survives malformed Socket.IO frames', async () => {
    const dave = await decodeIdentityFile(await start.identity(4));
    const frame = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 100 }).map((s) => `2${s}`),
      fc.json().map((j) => `2${j}`),
      fc.json().map((j) => `21${j}`),
      fc.constantFrom(
        '2[',
        '2["blob:put"',
        '5-["blob:put",{"_placeholder":true,"num":7}]',
        '51-',
        '2/nope,["x"]',
        '2["disconnecting"]',
        '2["disconnect"]',
        '2["connect"]',
        '2["__proto__",{}]',
        '0{"a":',
        '4',
      ),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (text) => {
        const socket = await authenticatedSocket(dave);
        (socket.io.engine as unknown as { write(data: string): void }).write(text);
        await new Promise((r) => setTimeout(r, 20));
        socket.close();
      }),
      { numRuns: RUNS.rawFrames },
    );
    await expectHealthy();
  });

  it('after all of it, both answer /health and a member still sends a message', async () => {
    await expectHealthy();
    await memberSendsAMessage();
    expect(start.output()).not.toMatch(/URIError|uncaught|Unhandled/i);
  });

  it('a bad request is refused with a code, not a stack trace', async () => {
    const res = await fetch(`${start.relayUrl}/health`, { method: 'POST' });
    expect(res.status).toBe(405);
    const body = (await res.json()) as { code: string };
    expect(body.code).toBe(ErrorCode.BadRequest);
  });
});
