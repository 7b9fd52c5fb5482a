import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOB_BYTES,
  ErrorCode,
  SIGNAL_BYTES,
  envelopeCapacity,
  nativeSuite,
  openEnvelope,
  referenceSuite,
  sealEnvelope,
  toHex,
  utf8Decode,
  utf8Encode,
  type CryptoSuite,
} from '../src/index.js';
import { errorCodeOf, makeCircle, recipientKeysOf, senderOf } from './support/fixtures.js';

const circle = await makeCircle(['Alice', 'Bob', 'Carol']);
const [alice, bob, carol] = circle.keys as [(typeof circle.keys)[0], (typeof circle.keys)[0], (typeof circle.keys)[0]];
const id = () => nativeSuite.randomBytes(16);

const seal = (
  content: Uint8Array,
  opts: { to?: typeof bob; frameBytes?: number; ephemeralSecret?: Uint8Array; suite?: CryptoSuite } = {},
) =>
  sealEnvelope(
    {
      sender: senderOf(alice),
      recipient: (opts.to ?? bob).member,
      messageId: id(),
      counter: 7n,
      sentAt: 1_700_000_000_000n,
      content,
      frameBytes: opts.frameBytes,
      ephemeralSecret: opts.ephemeralSecret,
    },
    opts.suite,
  );

describe('envelope round trips', () => {
  it('opens to exactly what was sealed, with the sender known, for any content size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (content) => {
        const frame = await seal(content);
        expect(frame.length).toBe(BLOB_BYTES);
        const opened = await openEnvelope(frame, recipientKeysOf(bob));
        expect(toHex(opened.content)).toBe(toHex(content));
        expect(toHex(opened.senderPublicKey)).toBe(toHex(alice.member.ed25519PublicKey));
        expect(opened.counter).toBe(7n);
      }),
      { numRuns: 30 },
    );
  });

  it('carries content up to its capacity, in blob and signal frames', async () => {
    for (const frameBytes of [BLOB_BYTES, SIGNAL_BYTES]) {
      const content = nativeSuite.randomBytes(envelopeCapacity(frameBytes));
      const opened = await openEnvelope(await seal(content, { frameBytes }), recipientKeysOf(bob), { frameBytes });
      expect(toHex(opened.content)).toBe(toHex(content));
      expect(await errorCodeOf(() => seal(new Uint8Array(envelopeCapacity(frameBytes) + 1), { frameBytes }))).toBe(
        ErrorCode.PayloadTooLarge,
      );
    }
  });

  it('native and reference suites seal identical bytes and open each other', async () => {
    const content = utf8Encode('même message, mêmes octets');
    const e = nativeSuite.randomBytes(32);
    const messageId = id();
    const input = { sender: senderOf(alice), recipient: bob.member, messageId, counter: 1n, sentAt: 2n, content, ephemeralSecret: e };
    const native = await sealEnvelope(input, nativeSuite);
    const reference = await sealEnvelope(input, referenceSuite);
    expect(toHex(native)).toBe(toHex(reference));
    expect(utf8Decode((await openEnvelope(native, recipientKeysOf(bob), {}, referenceSuite)).content)).toBe('même message, mêmes octets');
    const fresh = await sealEnvelope({ ...input, ephemeralSecret: undefined }, referenceSuite);
    expect(utf8Decode((await openEnvelope(fresh, recipientKeysOf(bob), {}, nativeSuite)).content)).toBe('même message, mêmes octets');
  });

  it('two seals of the same message share no bytes of their clear header', async () => {
    const [a, b] = [await seal(utf8Encode('x')), await seal(utf8Encode('x'))];
    expect(toHex(a.subarray(1, 33))).not.toBe(toHex(b.subarray(1, 33)));
  });
});

describe('envelope bad input gives a typed error', () => {
  it('another member cannot open it (EnvelopeInvalid)', async () => {
    const frame = await seal(utf8Encode('for Bob only'));
    expect(await errorCodeOf(() => openEnvelope(frame, recipientKeysOf(carol)))).toBe(ErrorCode.EnvelopeInvalid);
  });

  it('a message signed for Bob and re-sealed to Carol is WrongRecipient', async () => {
    // Bob forwards Alice's signed inner to Carol under a new outer layer: the inner still names Bob.
    const rogue: CryptoSuite = {
      ...nativeSuite,
      agreeOneUseKey: (_r, info, e) => nativeSuite.agreeOneUseKey(carol.member.x25519PublicKey, info, e),
    };
    const frame = await seal(utf8Encode('hi Bob'), { suite: rogue });
    expect(await errorCodeOf(() => openEnvelope(frame, recipientKeysOf(carol)))).toBe(ErrorCode.WrongRecipient);
  });

  it('a malleated or forged signature is BadSignature', async () => {
    const badSigner: CryptoSuite = {
      ...nativeSuite,
      ed25519Sign: async (seed, msg) => {
        const sig = await nativeSuite.ed25519Sign(seed, msg);
        sig[40]! ^= 1;
        return sig;
      },
    };
    const frame = await seal(utf8Encode('x'), { suite: badSigner });
    expect(await errorCodeOf(() => openEnvelope(frame, recipientKeysOf(bob)))).toBe(ErrorCode.BadSignature);
  });

  it('every bit flip in clear header, ciphertext or tag is EnvelopeInvalid', async () => {
    const frame = await seal(utf8Encode('integrity'));
    for (const i of [1, 2, 16, 32, 33, 100, 40_000, BLOB_BYTES - 17, BLOB_BYTES - 1]) {
      const f = frame.slice();
      f[i]! ^= 0x80;
      expect(await errorCodeOf(() => openEnvelope(f, recipientKeysOf(bob))), `byte ${i}`).toBe(ErrorCode.EnvelopeInvalid);
    }
  });

  it('a low-order ephemeral key is rejected when opening, and a low-order recipient key when sealing', async () => {
    const frame = await seal(utf8Encode('x'));
    frame.fill(0, 1, 33);
    expect(await errorCodeOf(() => openEnvelope(frame, recipientKeysOf(bob)))).toBe(ErrorCode.EnvelopeInvalid);
    const lowOrder = { ...bob.member, x25519PublicKey: new Uint8Array(32) };
    expect(
      await errorCodeOf(() =>
        sealEnvelope({
          sender: senderOf(alice),
          recipient: lowOrder,
          messageId: id(),
          counter: 1n,
          sentAt: 1n,
          content: new Uint8Array(1),
        }),
      ),
    ).toBe(ErrorCode.BadPublicKey);
  });

  it('wrong sizes, truncations and unknown versions are rejected before any crypto', async () => {
    const frame = await seal(utf8Encode('x'));
    expect(await errorCodeOf(() => openEnvelope(frame.subarray(0, 1000), recipientKeysOf(bob)))).toBe(ErrorCode.BlobSize);
    expect(await errorCodeOf(() => openEnvelope(new Uint8Array(BLOB_BYTES + 1), recipientKeysOf(bob)))).toBe(ErrorCode.BlobSize);
    const v2 = frame.slice();
    v2[0] = 2;
    expect(await errorCodeOf(() => openEnvelope(v2, recipientKeysOf(bob)))).toBe(ErrorCode.BadRequest);
    expect(await errorCodeOf(() => openEnvelope(nativeSuite.randomBytes(BLOB_BYTES).fill(1, 0, 1), recipientKeysOf(bob)))).toBe(
      ErrorCode.EnvelopeInvalid,
    );
  });
});

describe('strictness the native path adds', () => {
  it('rejects the small-order identity key with the (identity, 0) signature that OpenSSL alone accepts', async () => {
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const sig = new Uint8Array(64);
    sig[0] = 1;
    for (const suite of [nativeSuite, referenceSuite]) expect(await suite.ed25519Verify(identity, utf8Encode('anything'), sig)).toBe(false);
  });

  it('gives the same error for a low-order ephemeral key on both suites', async () => {
    const frame = await seal(utf8Encode('x'));
    frame.fill(0, 1, 33);
    for (const suite of [nativeSuite, referenceSuite]) {
      expect(await errorCodeOf(() => openEnvelope(frame, recipientKeysOf(bob), {}, suite))).toBe(ErrorCode.EnvelopeInvalid);
    }
  });
});

describe('signal frames', () => {
  it('carry the largest allowed RTC signal, JSON-escaped, in one SIGNAL_BYTES frame', async () => {
    const { MAX_RTC_SIGNAL_CHARS, encodeContent, decodeSignalContent } = await import('../src/index.js');
    // SDP is mostly printable with CRLF line ends, which JSON escapes: worst realistic case.
    const data = 'a=candidate:1 1 udp 2122260223 127.0.0.1 40000 typ relay\r\n'.repeat(1000).slice(0, MAX_RTC_SIGNAL_CHARS);
    const content = encodeContent({ v: 1, signal: { kind: 'call', call: { type: 'rtc', roomId: 'A'.repeat(22), data } } });
    expect(content.length).toBeLessThanOrEqual(envelopeCapacity(SIGNAL_BYTES));
    const frame = await seal(content, { frameBytes: SIGNAL_BYTES });
    const opened = await openEnvelope(frame, recipientKeysOf(bob), { frameBytes: SIGNAL_BYTES });
    expect(decodeSignalContent(opened.content).signal).toEqual({ kind: 'call', call: { type: 'rtc', roomId: 'A'.repeat(22), data } });
  });
});
