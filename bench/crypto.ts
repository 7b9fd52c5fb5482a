/**
 * npm run bench -- crypto
 * (a) seal + open of one short text message on the native path (WebCrypto, with Node's
 *     one-shot X25519, Ed25519 and envelope AES-GCM), beside WebCrypto alone (as the app's
 *     core worker in Chromium runs it) and the same construction on the @noble primitives;
 * (b) a 16 MiB file through the whole file path (chunk, encrypt, frame into 64 KiB blobs,
 *     hash; then open, reassemble, verify the hash) beside bare native AES-256-GCM encrypt +
 *     decrypt of the same 16 MiB, samples alternated. Last line: `ratio: X` for (b).
 * (c) protocol v2: seal and open of one short text to one device and to a 6-member group with
 *     2 devices each (12 frames: hybrid ML-KEM-768 + X25519 per device), beside the bare
 *     primitives measured in the same run (X25519, ML-KEM-768 encaps/decaps, 64 KiB AES-GCM).
 *     Budget (issue 12): the 6 x 2 seal within 25 ms.
 */
import {
  generateMemberKeys,
  nativeSuite,
  openEnvelope,
  openFile,
  referenceSuite,
  sealEnvelope,
  sealFile,
  utf8Encode,
  webCryptoSuite,
  type CryptoSuite,
} from '@circle/protocol';
import { median, ms, sample, sampleAlternating } from './stats.js';
import { v2Bench } from './crypto-v2.js';

const [alice, bob] = await Promise.all([generateMemberKeys('Alice'), generateMemberKeys('Bob')]);
const content = utf8Encode('See you at six at the usual place?');
const bobKeys = { x25519SecretKey: bob.x25519SecretKey, ...bob.member };

async function shortMessage(suite: CryptoSuite, runs: number) {
  const seal = () =>
    sealEnvelope(
      {
        sender: { ed25519Seed: alice.ed25519Seed, ed25519PublicKey: alice.member.ed25519PublicKey },
        recipient: bob.member,
        messageId: suite.randomBytes(16),
        counter: 1n,
        sentAt: BigInt(Date.now()),
        content,
      },
      suite,
    );
  const frame = await seal();
  const sealMs = median(await sample(runs, seal));
  const openMs = median(await sample(runs, () => openEnvelope(frame, bobKeys, {}, suite)));
  const bothMs = median(await sample(runs, async () => openEnvelope(await seal(), bobKeys, {}, suite)));
  return { sealMs, openMs, bothMs };
}

console.log('crypto benchmark (medians; Node', process.version, ')');
console.log('\n(a) one short text message in a 64 KiB sealed envelope');
const native = await shortMessage(nativeSuite, 400);
const webCrypto = await shortMessage(webCryptoSuite, 400);
const noble = await shortMessage(referenceSuite, 40);
console.log(
  `  native (WebCrypto + Node one-shot per-message calls): seal ${ms(native.sealMs)}  open ${ms(native.openMs)}  seal+open ${ms(native.bothMs)}`,
);
console.log(
  `  WebCrypto alone (as in Chromium):                    seal ${ms(webCrypto.sealMs)}  open ${ms(webCrypto.openMs)}  seal+open ${ms(webCrypto.bothMs)}`,
);
console.log(
  `  @noble (reference):                                  seal ${ms(noble.sealMs)}  open ${ms(noble.openMs)}  seal+open ${ms(noble.bothMs)}`,
);
console.log(`  short message speed-up, native over @noble: ${(noble.bothMs / native.bothMs).toFixed(1)}x`);

console.log('\n(b) 16 MiB file: whole file path vs bare native AES-256-GCM, 15 samples each, alternated');
const FILE_BYTES = 16 * 1024 * 1024;
const file = nativeSuite.randomBytes(FILE_BYTES);
const fileKey = nativeSuite.randomBytes(32);
const fileId = nativeSuite.randomBytes(16);
const filePath = async () => {
  const { frames, digest } = await sealFile(file, fileKey, fileId);
  const back = await openFile(frames, fileKey, fileId, digest);
  if (back.length !== file.length) throw new Error('file length mismatch');
};
const nonce = nativeSuite.randomBytes(12);
const bare = async () => {
  const sealed = await nativeSuite.aesGcmSeal(fileKey, nonce, file, new Uint8Array(0));
  await nativeSuite.aesGcmOpen(fileKey, nonce, sealed, new Uint8Array(0));
};
// Alternated, 15 of each: run in two blocks, one after the other, machine drift moved the ratio by half.
const [fileSamples, bareSamples] = await sampleAlternating(15, filePath, bare);
const [fileMs, bareMs] = [median(fileSamples), median(bareSamples)];
console.log(`  file path (257 blobs, chunk+encrypt+frame+digest, open+verify+reassemble): ${ms(fileMs)}`);
console.log(`  bare AES-256-GCM encrypt + decrypt of 16 MiB:                             ${ms(bareMs)}`);
console.log(`ratio: ${(fileMs / bareMs).toFixed(2)}`);

await v2Bench();
