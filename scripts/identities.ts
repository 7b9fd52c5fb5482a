/**
 * npm run identities -- --count 20 --out DIR --relay-url URL [--names FILE] [--passphrase-prompt | --no-passphrase] [--insecure-http] [--force]
 * Generates a circle: identity-NN.bin per member, each sealed with its own random passphrase
 * (listed on DIR/operator-private/handover-sheet.txt), allowlist.json, and the operator's
 * roster-signing key in DIR/operator-private/ (keep it offline; never hand it out).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_MEMBERS, normalizeRelayUrl, toHex, validateMemberName } from '@circle/protocol';
import { defaultNames, generateCircleFiles, holdsCircle, OPERATOR_DIR, outDirProblem } from './lib/circle-files.js';
import { fail, parseCommandArgs, printable, promptSecret, runCommand } from './lib/cli.js';

const CMD = 'identities';
const USAGE = `usage: npm run identities -- --count N --out DIR --relay-url URL [--names FILE]
                              [--passphrase-prompt | --no-passphrase] [--insecure-http] [--force]
  --count N            members, 1-${MAX_MEMBERS} (default 20)
  --out DIR            the circle's folder: absent, empty, or holding a circle made here (then --force)
  --relay-url URL      the address members' apps connect to: https://HOST[:PORT], exactly RELAY_PUBLIC_URL
  --names FILE         one display name per line; members beyond the list are "Member NN"
  --passphrase-prompt  ask a passphrase per member (empty answer = a random one)
  --no-passphrase      write unsealed identity files (anyone holding a file can use it)
  --insecure-http      allow a plain http:// relay URL for a host that is not loopback
  --force              replace the circle already in DIR (no file of it survives)
By default each identity file is sealed with its own random passphrase, listed on
DIR/${OPERATOR_DIR}/handover-sheet.txt: hand over files and passphrases separately.`;

runCommand(CMD, async () => {
  const { values } = parseCommandArgs(CMD, {
    usage: USAGE,
    options: {
      count: { type: 'string', default: '20' },
      out: { type: 'string' },
      'relay-url': { type: 'string' },
      names: { type: 'string' },
      'passphrase-prompt': { type: 'boolean', default: false },
      'no-passphrase': { type: 'boolean', default: false },
      'insecure-http': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
    },
  });
  if (!values.out) fail(CMD, '--out DIR is required (see --help)', 2);
  if (!values['relay-url']) fail(CMD, "--relay-url URL is required: the address members' apps connect to (see --help)", 2);
  if (values['passphrase-prompt'] && values['no-passphrase']) fail(CMD, 'give --passphrase-prompt or --no-passphrase, not both', 2);
  const count = /^\d+$/.test(values.count) ? Number(values.count) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_MEMBERS) fail(CMD, `--count must be a whole number from 1 to ${MAX_MEMBERS}`, 2);
  const url = normalizeRelayUrl(values['relay-url'], { allowInsecureHttp: values['insecure-http'] });
  if (!url.ok) fail(CMD, `--relay-url: ${url.problem}${url.insecureHttp ? ' (or pass --insecure-http)' : ''}`, 2);

  const names = values.names ? await readNames(values.names, count) : defaultNames(count);
  const outProblem = await outDirProblem(values.out);
  if (outProblem) fail(CMD, outProblem, 2);
  if (!values.force && (await holdsCircle(values.out))) {
    fail(
      CMD,
      `${values.out} already holds a circle; pass --force to replace it whole (already seeded keys stay valid until you revoke them)`,
    );
  }

  const circle = await generateCircleFiles({
    dir: values.out,
    relayUrl: url.url,
    names,
    passphrases: values['no-passphrase']
      ? 'none'
      : values['passphrase-prompt']
        ? (i, name) => promptSecret(`Passphrase for ${name} (identity ${i + 1}; empty = a random one): `)
        : 'random',
  });

  console.log(`Circle ${toHex(circle.roster.circleId)} with ${names.length} members, relay ${circle.roster.relayUrl}\n`);
  console.log('Hand each member their own file, in person:');
  for (const f of circle.files)
    console.log(`  ${join(values.out, f.file)}  ->  ${f.name}${f.sealed ? '  (sealed)' : '  (NOT sealed: keep it private)'}`);
  if (circle.handoverSheetPath)
    console.log(`\nPassphrases: ${circle.handoverSheetPath} — give each member theirs separately from the file, then shred the sheet.`);
  console.log(`\nSeed the relay's allowlist (key hashes only):  npm run seed -- ${circle.allowlistPath}`);
  console.log(`Roster-signing key: ${join(values.out, OPERATOR_DIR)}/ — keep it offline and never hand it out.`);
});

/** The names file: one name per line (blank lines skipped, but counted in line numbers), checked like the roster checks them. */
async function readNames(path: string, count: number): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) =>
    fail(CMD, `cannot read the names file ${path}: ${e.code === 'ENOENT' ? 'no such file' : (e.code ?? e.message)}`, 2),
  );
  const listed: { name: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((name, i) => {
    if (name.trim() === '') return;
    const problem = validateMemberName(name);
    if (problem) fail(CMD, `names file line ${i + 1} ("${printable(name)}"): ${problem}`, 2);
    const first = listed.find((l) => l.name === name);
    if (first) fail(CMD, `names file line ${i + 1}: "${printable(name)}" is already on line ${first.line}`, 2);
    listed.push({ name, line: i + 1 });
  });
  if (listed.length > count) fail(CMD, `the names file lists ${listed.length} names but --count is ${count}`, 2);
  return [...listed.map((l) => l.name), ...defaultNames(count).slice(listed.length)];
}
