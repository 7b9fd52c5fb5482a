/** Part (c) of `npm run bench -- crypto`: protocol v2 envelopes beside their primitives. */
import {
  BLOB_BYTES,
  createCircle,
  createDevice,
  equalBytes,
  nativeSuite,
  openForDevice,
  prekeyForSending,
  referenceSuite,
  rotatePrekeys,
  sealForDevices,
  utf8Encode,
  webCryptoSuite,
  type CryptoSuite,
  type DeviceKeys,
  type RecipientDevice,
  type SenderLookup,
} from '@circle/protocol';
// The bare ML-KEM wrapper is not part of the package's API (its randomness is a parameter).
import { mlKemDecapsulate, mlKemEncapsulate, mlKemKeyPair } from '../protocol/src/crypto/ml-kem.js';
import { median, ms, sample } from './stats.js';

/** Median CPU time (user + system, all threads of this process) per call: what load on a shared machine does not inflate. */
async function cpuMedian(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const before = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(before);
    out.push((used.user + used.system) / 1000);
  }
  return median(out);
}

const BUDGET_MS = 25;

export async function v2Bench(): Promise<void> {
  const now = Date.now();
  const names = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank'];
  const { identities } = await createCircle({ names, relayUrl: 'https://relay.example' });
  const devices: DeviceKeys[] = [];
  for (const identity of identities) {
    for (let i = 0; i < 2; i++) {
      const device = await createDevice(identity, now);
      devices.push({ device, prekeys: (await rotatePrekeys(device, [], now)).held });
    }
  }
  const recipients: RecipientDevice[] = devices.map((d) => ({
    device: d.device.record,
    prekey: prekeyForSending(
      d.prekeys.map((p) => p.record),
      now,
    )!,
  }));
  const lookup: SenderLookup = (m, id) =>
    devices.map((d) => d.device.record).find((r) => equalBytes(r.memberKey, m) && equalBytes(r.deviceId, id));
  const sender = devices[0]!.device;
  const content = utf8Encode('See you at six at the usual place?');
  const input = (suite: CryptoSuite) => ({
    sender,
    messageId: suite.randomBytes(16),
    counter: 1n,
    sentAt: BigInt(Date.now()),
    content,
  });

  async function envelopeCosts(suite: CryptoSuite, runs: number) {
    const one = recipients.slice(2, 3);
    const [frame] = await sealForDevices(input(suite), one, suite);
    const sealOne = median(await sample(runs, () => sealForDevices(input(suite), one, suite)));
    const openOne = median(await sample(runs, () => openForDevice(frame!, devices[2]!, lookup, {}, suite)));
    const sealGroup = median(await sample(Math.max(5, runs / 4), () => sealForDevices(input(suite), recipients, suite)));
    const frames = await sealForDevices(input(suite), recipients, suite);
    const openGroup = median(
      await sample(Math.max(5, runs / 4), () => Promise.all(frames.map((f, i) => openForDevice(f, devices[i]!, lookup, {}, suite)))),
    );
    const sealGroupCpu = await cpuMedian(Math.max(5, runs / 4), () => sealForDevices(input(suite), recipients, suite));
    return { sealOne, openOne, sealGroup, openGroup, sealGroupCpu };
  }

  console.log('\n(c) protocol v2: one short text, hybrid ML-KEM-768 + X25519 per recipient device (medians)');
  const { publicKey, secretKey } = mlKemKeyPair(nativeSuite.randomBytes(64));
  const { cipherText } = mlKemEncapsulate(publicKey, nativeSuite.randomBytes(32));
  const [a, b] = [nativeSuite.randomBytes(32), await nativeSuite.x25519PublicKey(nativeSuite.randomBytes(32))];
  const aesKey = nativeSuite.randomBytes(32);
  const block = nativeSuite.randomBytes(BLOB_BYTES - 1193 - 16);
  const prims = {
    x25519: median(await sample(400, () => nativeSuite.x25519SharedSecret(a, b))),
    encaps: median(await sample(200, async () => mlKemEncapsulate(publicKey, nativeSuite.randomBytes(32)))),
    decaps: median(await sample(200, async () => mlKemDecapsulate(cipherText, secretKey))),
    aes: median(await sample(400, () => nativeSuite.aesGcmSeal(aesKey, new Uint8Array(12), block, new Uint8Array(0)))),
  };
  console.log(
    `  primitives (same run): X25519 ${ms(prims.x25519)}  ML-KEM-768 encaps ${ms(prims.encaps)}  decaps ${ms(prims.decaps)}  AES-256-GCM 64 KiB seal ${ms(prims.aes)}`,
  );
  const rows: [string, CryptoSuite, number][] = [
    ['native (Node one-shot)', nativeSuite, 100],
    ['WebCrypto alone (Chromium path)', webCryptoSuite, 100],
    ['@noble (reference)', referenceSuite, 12],
  ];
  let nativeGroupSeal = Infinity;
  for (const [label, suite, runs] of rows) {
    const c = await envelopeCosts(suite, runs);
    if (suite === nativeSuite) nativeGroupSeal = c.sealGroup;
    console.log(`  ${label.padEnd(32)} 1 device: seal ${ms(c.sealOne)}  open ${ms(c.openOne)}`);
    console.log(
      `  ${''.padEnd(32)} 6 members x 2 devices (12 frames): seal ${ms(c.sealGroup)} (CPU ${ms(c.sealGroupCpu)})  open all 12 ${ms(c.openGroup)}`,
    );
  }
  const floor = 12 * (prims.encaps + 2 * prims.x25519 + prims.aes);
  console.log(`  floor for 12 frames from the primitives above (12 x (encaps + 2 X25519 + AES-GCM)): ${ms(floor)}`);
  console.log(`budget: 6 x 2 seal ${ms(nativeGroupSeal)} (native) vs ${BUDGET_MS} ms: ${nativeGroupSeal <= BUDGET_MS ? 'within' : 'OVER'}`);
}
