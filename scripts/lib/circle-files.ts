/**
 * Generates a circle on disk: one identity file per member, the allowlist seed (key hashes
 * only) and, in a folder of its own, the operator's roster-signing key and the handover sheet
 * of passphrases. Used by `npm run identities` and by `npm start` for the demo circle.
 *
 * Atomic: everything is written into a temporary folder beside the target and renamed into
 * place only when complete, so a failed run leaves nothing behind and a replaced circle leaves
 * no file of the old one.
 */
import { randomInt } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createCircle, encodeIdentityFile, keyHash, toHex, type KdfParams, type Roster } from '@circle/protocol';

export const OPERATOR_DIR = 'operator-private';
export const HANDOVER_SHEET = 'handover-sheet.txt';
/** The operator's record of who is who (file, name, key hash; no secret), for naming a revoked member. */
export const MEMBERS_RECORD = 'members.json';

export interface AllowlistFile {
  version: 1;
  circleId: string;
  keyHashes: string[];
}

export interface GeneratedCircle {
  roster: Roster;
  files: { file: string; name: string; sealed: boolean; keyHash: string }[];
  allowlistPath: string;
  operatorKeyPath: string;
  /** The passphrases, one per sealed file; absent when no file is sealed. */
  handoverSheetPath?: string;
}

export const identityFileName = (index: number, count: number) =>
  `identity-${String(index + 1).padStart(Math.max(2, String(count).length), '0')}.bin`;

const isCircleEntry = (e: string) => /^identity-\d+\.bin$/.test(e) || e === 'allowlist.json' || e === OPERATOR_DIR;

/** True when `dir` already holds a generated circle (identity files or an allowlist). */
export async function holdsCircle(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.some(isCircleEntry);
}

/** Why a circle cannot be written to `dir`, or undefined: it must be absent, empty, or hold only a circle. */
export async function outDirProblem(dir: string): Promise<string | undefined> {
  const info = await stat(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : e));
  if (info === null) return undefined;
  if (info instanceof Error) return `cannot use ${dir}: ${info.code ?? info.message}`;
  if (!info.isDirectory()) return `${dir} is a file, not a folder: choose a folder for the circle`;
  const others = (await readdir(dir)).filter((e) => !isCircleEntry(e));
  if (others.length > 0)
    return `${dir} holds other files (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}): choose an empty folder or a new one for the circle`;
  return undefined;
}

/** A random passphrase a person can read out and type: 5 groups of 4 (100 bits), no look-alike characters. */
export function randomPassphrase(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const group = () => Array.from({ length: 4 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return Array.from({ length: 5 }, group).join('-');
}

export interface GenerateCircleOptions {
  dir: string;
  relayUrl: string;
  names: string[];
  /**
   * How identity files are sealed: 'random' (each with its own random passphrase, listed on the
   * handover sheet), 'none' (unsealed; an explicit choice), or a function asked per member
   * (empty answer = a random one).
   */
  passphrases: 'random' | 'none' | ((index: number, name: string) => Promise<string>);
  kdf?: KdfParams;
}

export async function generateCircleFiles(opts: GenerateCircleOptions): Promise<GeneratedCircle> {
  const dir = resolve(opts.dir);
  const problem = await outDirProblem(dir);
  if (problem) throw new Error(problem);
  const parent = dirname(dir);
  const cannot = (e: NodeJS.ErrnoException): never => {
    throw new Error(`cannot create the circle's folder ${dir}: ${e.code ?? e.message}`);
  };
  await mkdir(parent, { recursive: true }).catch(cannot);
  const tmp = await mkdtemp(join(parent, `.${basename(dir)}.partial-`)).catch(cannot);
  try {
    const circle = await writeCircle(tmp, opts);
    await swapIntoPlace(tmp, dir);
    const at = (p: string) => join(dir, p.slice(tmp.length + 1));
    return {
      ...circle,
      allowlistPath: at(circle.allowlistPath),
      operatorKeyPath: at(circle.operatorKeyPath),
      handoverSheetPath: circle.handoverSheetPath && at(circle.handoverSheetPath),
    };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Renames the finished folder into place; an old circle there is moved aside first, then deleted whole. */
async function swapIntoPlace(tmp: string, dir: string): Promise<void> {
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (!exists) return rename(tmp, dir);
  const old = `${tmp}.old`;
  await rename(dir, old);
  try {
    await rename(tmp, dir);
  } catch (err) {
    await rename(old, dir);
    throw err;
  }
  await rm(old, { recursive: true, force: true });
}

async function writeCircle(dir: string, opts: GenerateCircleOptions): Promise<GeneratedCircle> {
  const { operatorSeed, roster, members: keys, identities } = await createCircle({ names: opts.names, relayUrl: opts.relayUrl });
  const files: GeneratedCircle['files'] = [];
  const sheet: string[] = [];
  for (const [memberIndex, k] of keys.entries()) {
    const passphrase =
      opts.passphrases === 'none'
        ? undefined
        : opts.passphrases === 'random'
          ? randomPassphrase()
          : (await opts.passphrases(memberIndex, k.member.name)) || randomPassphrase();
    const bytes = await encodeIdentityFile(identities[memberIndex]!, passphrase ? { passphrase, kdf: opts.kdf } : {});
    const file = identityFileName(memberIndex, keys.length);
    await writeFile(join(dir, file), bytes, { mode: 0o600 });
    files.push({ file, name: k.member.name, sealed: Boolean(passphrase), keyHash: keyHash(k.member.ed25519PublicKey) });
    if (passphrase) sheet.push(`${file}  ${k.member.name}\n    passphrase: ${passphrase}`);
  }
  const allowlist: AllowlistFile = { version: 1, circleId: toHex(roster.circleId), keyHashes: files.map((f) => f.keyHash) };
  const allowlistPath = join(dir, 'allowlist.json');
  await writeFile(allowlistPath, JSON.stringify(allowlist, null, 2) + '\n', { mode: 0o644 });
  const operatorDir = join(dir, OPERATOR_DIR);
  await mkdir(operatorDir, { mode: 0o700 });
  await chmod(operatorDir, 0o700);
  await writeFile(
    join(operatorDir, MEMBERS_RECORD),
    JSON.stringify(
      files.map(({ file, name, keyHash: hash }) => ({ file, name, keyHash: hash })),
      null,
      2,
    ) + '\n',
    { mode: 0o600 },
  );
  const operatorKeyPath = join(operatorDir, 'roster-signing-key.hex');
  await writeFile(operatorKeyPath, toHex(operatorSeed) + '\n', { mode: 0o600 });
  let handoverSheetPath: string | undefined;
  if (sheet.length > 0) {
    handoverSheetPath = join(operatorDir, HANDOVER_SHEET);
    await writeFile(
      handoverSheetPath,
      [
        `Circle ${toHex(roster.circleId)}: passphrases of the identity files (relay ${roster.relayUrl})`,
        'Give each member their passphrase separately from their file (on paper, in person), then destroy',
        'this sheet (shred -u). Whoever holds a file and its passphrase can read that member’s mail.',
        '',
        ...sheet,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  }
  return { roster, files, allowlistPath, operatorKeyPath, handoverSheetPath };
}

/** The member with `keyHash` in the circle generated in `dir`, from its operator record. */
export async function memberRecord(dir: string, hash: string): Promise<{ file: string; name: string } | undefined> {
  const text = await readFile(join(dir, OPERATOR_DIR, MEMBERS_RECORD), 'utf8').catch(() => {
    throw new Error(`cannot read ${join(dir, OPERATOR_DIR, MEMBERS_RECORD)}: is ${dir} a circle made by npm run identities?`);
  });
  const records = JSON.parse(text) as { file: string; name: string; keyHash: string }[];
  return records.find((r) => r.keyHash === hash);
}

/** Default member names: "Member 01" .. */
export const defaultNames = (count: number) => Array.from({ length: count }, (_, i) => `Member ${String(i + 1).padStart(2, '0')}`);
