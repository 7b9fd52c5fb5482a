import { describe, expect, it } from 'vitest';
import {
  equalBytes,
  fromHex,
  nativeSuite,
  openForDevice,
  referenceSuite,
  utf8Decode,
  webCryptoSuite,
  type CryptoSuite,
} from '../src/index.js';
import { buildV2Fixture, computeCircleV2Vectors } from './support/circle-v2-vectors.js';
import frozen from './vectors/circle-v2.json' with { type: 'json' };

describe.each<CryptoSuite>([nativeSuite, webCryptoSuite, referenceSuite])('Circle v2 frozen vectors ($name suite)', (suite) => {
  it('reproduces every frozen output byte for byte (device records, prekey, envelope, safety number)', async () => {
    expect(await computeCircleV2Vectors(suite)).toEqual(frozen.expected);
  });

  it('opens a frame with the frozen header and content as Bob', async () => {
    const { aliceDevice, bobDevice, bobPrekey } = await buildV2Fixture(suite);
    const frames = await import('../src/envelope-v2-core.js');
    const i = frozen.inputs;
    const frame = await frames.sealFrame(
      {
        sender: aliceDevice,
        messageId: fromHex(i.envelope.messageId),
        counter: 1n,
        sentAt: 2n,
        content: new TextEncoder().encode(i.envelope.content),
      },
      { device: bobDevice.record, prekey: bobPrekey.record },
      {
        ephemeral: await frames.fixedEphemeral(fromHex(i.envelope.ephemeralSecret), suite),
        mlKemMessage: fromHex(i.envelope.mlKemMessage),
      },
      suite,
    );
    expect(equalBytes(frame.subarray(0, 1193), fromHex(frozen.expected.envelopeHeader))).toBe(true);
    const opened = await openForDevice(frame, { device: bobDevice, prekeys: [bobPrekey] }, () => aliceDevice.record, {}, suite);
    expect(utf8Decode(opened.content)).toBe(i.envelope.content);
  });
});
