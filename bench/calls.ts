/**
 * npm run bench -- calls
 * Call setup time through coturn on loopback, relay-only: from the click on "Video call" to
 * the first inbound RTP bytes on the caller (the callee accepts as soon as the ring shows;
 * automated), p50 over 10 calls in the real app (two members, real relay, sealed signalling),
 * beside two bare RTCPeerConnections in one page through the same coturn, measured the same
 * way (start -> first inbound RTP bytes, stats polled every 20 ms). Last line: `setup ratio: X`.
 */
import { openAs, openChatWith, startWorld } from '../desktop-app/test/e2e/support/circle-app.js';
import { median, ms, percentile } from './stats.js';

const CALLS = Number(process.env.CALLS ?? 10);
const world = await startWorld(['Alice', 'Bob'], { turn: true });
try {
  const alice = await openAs(world, world.identityPath(0));
  const bob = await openAs(world, world.identityPath(1));
  await openChatWith(alice, 'Bob');
  if (process.env.TRACE)
    for (const [n, m] of [
      ['A', alice],
      ['B', bob],
    ] as const)
      m.page.on('console', (c) => c.text().startsWith('TRACE') && console.log(n, c.text()));

  const app: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const measured = alice.page.evaluate(async () => {
      type Diag = { stats(): Promise<{ bytesReceived: number }[]> };
      const diag = (window as unknown as { circleCallDiagnostics: Diag }).circleCallDiagnostics;
      const t0 = performance.now();
      document.querySelector<HTMLButtonElement>('button[aria-label="Video call"]')!.click();
      for (;;) {
        const s = await diag.stats();
        if (s.some((p) => p.bytesReceived > 0)) return performance.now() - t0;
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    await bob.page.getByRole('button', { name: 'Accept' }).click({ timeout: 20_000 });
    app.push(await measured);
    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await bob.page.locator('.call-panel').waitFor({ state: 'detached', timeout: 15_000 });
    await alice.page.locator('.call-panel').waitFor({ state: 'detached', timeout: 15_000 });
  }

  const creds = await world.circle.connect(0).then(async (c) => {
    const r = await c.connection.request('turn:credentials', {});
    c.close();
    return r;
  });
  const bare: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    bare.push(
      await alice.page.evaluate(
        async (ice) => {
          const config: RTCConfiguration = { iceServers: [ice], iceTransportPolicy: 'relay' };
          const t0 = performance.now();
          const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
          const a = new RTCPeerConnection(config);
          const b = new RTCPeerConnection(config);
          a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
          b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
          for (const t of media.getTracks()) a.addTrack(t, media);
          const back = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
          for (const t of back.getTracks()) b.addTrack(t, back);
          await a.setLocalDescription(await a.createOffer());
          await b.setRemoteDescription(a.localDescription!);
          await b.setLocalDescription(await b.createAnswer());
          await a.setRemoteDescription(b.localDescription!);
          for (;;) {
            let bytes = 0;
            (await a.getStats()).forEach(
              (s: Record<string, unknown>) => s.type === 'inbound-rtp' && (bytes += Number(s.bytesReceived ?? 0)),
            );
            if (bytes > 0) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          const took = performance.now() - t0;
          for (const t of [...media.getTracks(), ...back.getTracks()]) t.stop();
          a.close();
          b.close();
          return took;
        },
        { urls: creds.urls, username: creds.username, credential: creds.credential },
      ),
    );
  }

  console.log(
    `calls benchmark: ${CALLS} video calls each way, relay-only through coturn on loopback (Chromium ${world.browser.version()})`,
  );
  console.log(
    `  Circle app (click -> media flowing, sealed signalling via the relay): p50 ${ms(median(app))}  p90 ${ms(percentile(app, 90))}`,
  );
  console.log(
    `  bare WebRTC (two peer connections in one page, same coturn):       p50 ${ms(median(bare))}  p90 ${ms(percentile(bare, 90))}`,
  );
  console.log(`setup ratio: ${(median(app) / median(bare)).toFixed(2)}`);
} finally {
  await world.close();
}
