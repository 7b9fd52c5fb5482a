/**
 * Generates a circle on disk: one identity file per member, the allowlist seed (key hashes
 * only) and, in a folder of its own, the operator's roster-signing key. Used by
 * `npm run identities` and by `npm start` for the demo circle.
 */
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCircle, encodeIdentityFile, keyHash, toHex, type KdfParams, type Roster } from '@circle/protocol';

export const OPERATOR_DIR = 'operator-private';

export interface AllowlistFile {
  version: 1;
  circleId: string;
  keyHashes: string[];
}

export interface GeneratedCircle {
  roster: Roster;
  files: { file: string; name: string; sealed: boolean }[];
  allowlistPath: string;
  operatorKeyPath: string;
}

export const identityFileName = (index: number, count: number) =>
  `identity-${String(index + 1).padStart(Math.max(2, String(count).length), '0')}.bin`;

/** True when `dir` already holds a generated circle (identity files or an allowlist). */
export async function holdsCircle(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.some((e) => /^identity-\d+\.bin$/.test(e) || e === 'allowlist.json' || e === OPERATOR_DIR);
}

export interface GenerateCircleOptions {
  dir: string;
  relayUrl: string;
  names: string[];
  /** Passphrase per member (undefined = unsealed file). */
  passphraseFor?: (index: number, name: string) => Promise<string | undefined>;
  kdf?: KdfParams;
}

export async function generateCircleFiles(opts: GenerateCircleOptions): Promise<GeneratedCircle> {
  const { operatorSeed, roster, members: keys, identities } = await createCircle({ names: opts.names, relayUrl: opts.relayUrl });
  await mkdir(opts.dir, { recursive: true });
  const files: GeneratedCircle['files'] = [];
  for (const [memberIndex, k] of keys.entries()) {
    const passphrase = await opts.passphraseFor?.(memberIndex, k.member.name);
    const bytes = await encodeIdentityFile(identities[memberIndex]!, passphrase ? { passphrase, kdf: opts.kdf } : {});
    const file = identityFileName(memberIndex, keys.length);
    await writeFile(join(opts.dir, file), bytes, { mode: 0o600 });
    files.push({ file, name: k.member.name, sealed: Boolean(passphrase) });
  }
  const allowlist: AllowlistFile = {
    version: 1,
    circleId: toHex(roster.circleId),
    keyHashes: keys.map((k) => keyHash(k.member.ed25519PublicKey)),
  };
  const allowlistPath = join(opts.dir, 'allowlist.json');
  await writeFile(allowlistPath, JSON.stringify(allowlist, null, 2) + '\n', { mode: 0o644 });
  const operatorDir = join(opts.dir, OPERATOR_DIR);
  await mkdir(operatorDir, { recursive: true, mode: 0o700 });
  await chmod(operatorDir, 0o700);
  const operatorKeyPath = join(operatorDir, 'roster-signing-key.hex');
  await writeFile(operatorKeyPath, toHex(operatorSeed) + '\n', { mode: 0o600 });
  return { roster, files, allowlistPath, operatorKeyPath };
}

/** Default member names: "Member 01" .. */
export const defaultNames = (count: number) => Array.from({ length: count }, (_, i) => `Member ${String(i + 1).padStart(2, '0')}`);
