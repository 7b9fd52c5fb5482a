import { describe, expect, it } from 'vitest';
import { fromHex, nativeSuite, referenceSuite, webCryptoSuite, toHex, type CryptoSuite } from '../src/index.js';
import { loadWycheproof } from './support/wycheproof.js';

const hex = (v: unknown) => fromHex(String(v));

describe.each<CryptoSuite>([nativeSuite, webCryptoSuite, referenceSuite])('Wycheproof through our $name wrappers', (suite) => {
  it('AES-256-GCM (96-bit IV, 128-bit tag groups)', async () => {
    let ran = 0;
    for (const g of loadWycheproof('aes_gcm').groups) {
      if (g.keySize !== 256 || g.ivSize !== 96 || g.tagSize !== 128) continue;
      for (const t of g.tests) {
        const [key, iv, aad, msg, ct, tag] = [t.key, t.iv, t.aad, t.msg, t.ct, t.tag].map(hex);
        const sealed = new Uint8Array([...ct!, ...tag!]);
        const opened = await suite.aesGcmOpen(key!, iv!, sealed, aad!).then(toHex, () => 'rejected');
        if (t.result === 'valid') {
          expect(opened, `tcId ${t.tcId}`).toBe(toHex(msg!));
          expect(toHex(await suite.aesGcmSeal(key!, iv!, msg!, aad!)), `tcId ${t.tcId}`).toBe(toHex(sealed));
        } else {
          expect(opened, `tcId ${t.tcId} ${t.comment}`).toBe('rejected');
        }
        ran++;
      }
    }
    expect(ran).toBeGreaterThan(50);
  });

  it('X25519: valid cases match, zero shared secrets are rejected', async () => {
    let ran = 0;
    for (const g of loadWycheproof('x25519').groups) {
      for (const t of g.tests) {
        const out = await suite.x25519SharedSecret(hex(t.private), hex(t.public)).then(toHex, () => 'rejected');
        if (t.result === 'valid') expect(out, `tcId ${t.tcId} ${t.comment}`).toBe(t.shared);
        else if (t.flags.includes('ZeroSharedSecret')) expect(out, `tcId ${t.tcId} ${t.comment}`).toBe('rejected');
        else if (out !== 'rejected') expect(out, `tcId ${t.tcId} ${t.comment}`).toBe(t.shared);
        ran++;
      }
    }
    expect(ran).toBe(518);
  });

  it('Ed25519 strict verification', async () => {
    let ran = 0;
    for (const g of loadWycheproof('ed25519').groups) {
      const pk = hex((g.publicKey as { pk: string }).pk);
      for (const t of g.tests) {
        const ok = await suite.ed25519Verify(pk, hex(t.msg), hex(t.sig));
        expect(ok, `tcId ${t.tcId} ${t.comment}`).toBe(t.result === 'valid');
        ran++;
      }
    }
    expect(ran).toBe(151);
  });

  it('HKDF-SHA-256', async () => {
    let ran = 0;
    for (const g of loadWycheproof('hkdf_sha256').groups) {
      for (const t of g.tests) {
        const out = await suite.hkdfSha256(hex(t.ikm), hex(t.salt), hex(t.info), Number(t.size)).then(toHex, () => 'rejected');
        expect(out, `tcId ${t.tcId} ${t.comment}`).toBe(t.result === 'valid' ? t.okm : 'rejected');
        ran++;
      }
    }
    expect(ran).toBe(86);
  });
});
