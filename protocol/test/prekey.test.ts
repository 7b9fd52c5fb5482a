import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  ErrorCode,
  PREKEYS_AHEAD,
  PREKEY_CLOCK_SKEW_MS,
  PREKEY_RECORD_BYTES,
  createDevice,
  decodePrekey,
  decodePrekeySecrets,
  encodePrekey,
  encodePrekeySecrets,
  epochEnd,
  epochStart,
  prekeyEpoch,
  prekeyEraseAt,
  prekeyForSending,
  rotatePrekeys,
  toHex,
  verifyPrekey,
} from '../src/index.js';
import { errorCodeOf, makeCircle } from './support/fixtures.js';

const circle = await makeCircle(['Alice']);
const DAY0 = Date.UTC(2026, 11, 7);
const device = await createDevice(circle.identities[0]!, DAY0);
const other = await createDevice(circle.identities[0]!, DAY0);
const first = await rotatePrekeys(device, [], DAY0 + 3_600_000);

describe('signed hybrid prekeys', () => {
  it('a fresh device publishes today and the next PREKEYS_AHEAD days, each verifying under its device key', async () => {
    const today = prekeyEpoch(DAY0);
    expect(first.publish.map((p) => p.epoch)).toEqual(Array.from({ length: PREKEYS_AHEAD + 1 }, (_, i) => today + i));
    for (const p of first.publish) {
      const bytes = encodePrekey(p);
      expect(bytes.length).toBe(PREKEY_RECORD_BYTES);
      expect(toHex(encodePrekey(await verifyPrekey(bytes, device.record)))).toBe(toHex(bytes));
    }
    expect(first.held[0]!.record.epoch).toBe(today); // likeliest first for opening
  });

  it('any altered byte, another device’s key, a wrong size or a malformed ML-KEM key is PrekeyInvalid', async () => {
    const bytes = encodePrekey(first.publish[0]!);
    for (let i = 0; i < bytes.length; i += 41) {
      const altered = bytes.slice();
      altered[i]! ^= 0x01;
      expect(await errorCodeOf(() => verifyPrekey(altered, device.record)), `byte ${i}`).toBe(ErrorCode.PrekeyInvalid);
    }
    expect(await errorCodeOf(() => verifyPrekey(bytes, other.record))).toBe(ErrorCode.PrekeyInvalid);
    expect(await errorCodeOf(async () => decodePrekey(bytes.subarray(1)))).toBe(ErrorCode.PrekeyInvalid);
    const unreduced = bytes.slice();
    unreduced.set([0xff, 0xff], 1 + 16 + 4 + 32); // first ML-KEM coefficient = 4095 >= q
    expect(await errorCodeOf(async () => decodePrekey(unreduced))).toBe(ErrorCode.PrekeyInvalid);
  });

  it('senders pick the current epoch, accept a neighbour within the clock skew, and get nothing after the last one', () => {
    const prekeys = first.publish;
    const today = prekeyEpoch(DAY0);
    expect(prekeyForSending(prekeys, DAY0 + 5)!.epoch).toBe(today);
    expect(prekeyForSending(prekeys, DAY0 + DAY_MS + 5)!.epoch).toBe(today + 1);
    expect(prekeyForSending(prekeys.slice(1), DAY0 + DAY_MS - PREKEY_CLOCK_SKEW_MS / 2)!.epoch).toBe(today + 1);
    expect(prekeyForSending(prekeys.slice(0, 1), DAY0 + DAY_MS + PREKEY_CLOCK_SKEW_MS - 1)!.epoch).toBe(today);
    expect(prekeyForSending(prekeys, epochEnd(today + PREKEYS_AHEAD) + PREKEY_CLOCK_SKEW_MS)).toBeUndefined();
    expect(prekeyForSending([], DAY0)).toBeUndefined();
  });

  it('rotation keeps a secret until no blob sealed to it can be held, then erases it, and makes the missing days', async () => {
    const today = prekeyEpoch(DAY0);
    const eraseAt = prekeyEraseAt(today);
    expect(eraseAt).toBe(epochStart(today) + 5 * DAY_MS + 3 * PREKEY_CLOCK_SKEW_MS);
    const justBefore = await rotatePrekeys(device, first.held, eraseAt - 1);
    expect(justBefore.erased).toEqual([]);
    expect(justBefore.held.map((p) => p.record.epoch)).toContain(today);
    const secret = justBefore.held.find((p) => p.record.epoch === today)!;
    const at = await rotatePrekeys(device, justBefore.held, eraseAt);
    expect(at.erased).toEqual([today]);
    expect(at.held.map((p) => p.record.epoch)).not.toContain(today);
    expect(secret.x25519SecretKey.every((b) => b === 0) && secret.mlKemSecretKey.every((b) => b === 0)).toBe(true);
    const nowEpoch = prekeyEpoch(eraseAt);
    expect(at.publish.map((p) => p.epoch)).toEqual(Array.from({ length: PREKEYS_AHEAD + 1 }, (_, i) => nowEpoch + i));
  });

  it('saved prekey secrets round-trip; damaged ones are refused', async () => {
    const { held } = await rotatePrekeys(other, [], DAY0);
    const saved = encodePrekeySecrets(held);
    const back = await decodePrekeySecrets(saved);
    expect(back.map((p) => toHex(p.mlKemSecretKey))).toEqual(held.map((p) => toHex(p.mlKemSecretKey)));
    const damaged = saved.slice();
    damaged[saved.length - 40]! ^= 1; // in the last ML-KEM seed's z half
    expect(await errorCodeOf(() => decodePrekeySecrets(damaged))).toBe(ErrorCode.PrekeyInvalid);
    expect(await errorCodeOf(() => decodePrekeySecrets(saved.subarray(0, 100)))).toBe(ErrorCode.PrekeyInvalid);
  });
});
