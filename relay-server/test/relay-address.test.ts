/** A member whose identity file names another spelling of the relay's address is told so, with both addresses. */
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@circle/protocol';
import { CircleClient } from '@circle/desktop-app/core';
import { freePort } from './support/free-port.js';
import { makeCircle, startTestRelay, type TestRelay } from './support/relay-harness.js';

describe('relay address mismatch', () => {
  let relay: TestRelay | undefined;
  const clients: CircleClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.close();
    await relay?.close();
  });

  it('an identity made for http://localhost:PORT on a relay whose RELAY_PUBLIC_URL is http://127.0.0.1:PORT names both addresses', async () => {
    const port = await freePort();
    relay = await startTestRelay('pglite', { env: { PORT: String(port), RELAY_PUBLIC_URL: `http://127.0.0.1:${port}` } });
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const client = await CircleClient.open(circle.files[0]!);
    clients.push(client);
    const states: { state: string; error?: { code: string; message: string } }[] = [];
    client.on('state', (s) => states.push(s));
    client.connect();
    await expect(client.waitOnline()).rejects.toMatchObject({ code: ErrorCode.BadSignature });
    const rejected = states.find((s) => s.state === 'rejected');
    expect(rejected?.error?.message).toBe(
      `this identity file is for http://localhost:${port}, but the relay's address is http://127.0.0.1:${port}: ask your operator (the relay's RELAY_PUBLIC_URL must be the address in the identity files)`,
    );
    expect(rejected?.error?.message).not.toMatch(/allowlist/i);
  });
});
