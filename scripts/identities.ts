/**
 * npm run identities -- --count 20 --out DIR --relay-url URL [--names FILE] [--passphrase-prompt] [--force]
 * Generates a circle: identity-NN.bin per member, allowlist.json, and the operator's
 * roster-signing key in DIR/operator-private/ (keep it offline; never hand it out).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_MEMBERS, toHex, validateMemberName, validateRelayUrl } from '@circle/protocol';
import { defaultNames, generateCircleFiles, holdsCircle, OPERATOR_DIR } from './lib/circle-files.js';
import { fail, parseCommandArgs, promptSecret, runCommand } from './lib/cli.js';

const CMD = 'identities';
const USAGE = 'usage: npm run identities -- --count N --out DIR --relay-url URL [--names FILE] [--passphrase-prompt] [--force]';

runCommand(CMD, async () => {
  const { values } = parseCommandArgs(CMD, {
    count: { type: 'string', default: '20' },
    out: { type: 'string' },
    'relay-url': { type: 'string' },
    names: { type: 'string' },
    'passphrase-prompt': { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) fail(CMD, `--out DIR is required\n${USAGE}`, 2);
  if (!values['relay-url']) fail(CMD, `--relay-url URL is required (the address members' apps connect to)\n${USAGE}`, 2);
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_MEMBERS) fail(CMD, `--count must be a whole number from 1 to ${MAX_MEMBERS}`, 2);
  const urlProblem = validateRelayUrl(values['relay-url']);
  if (urlProblem) fail(CMD, `--relay-url: ${urlProblem}`, 2);

  let names = defaultNames(count);
  if (values.names) {
    const text = await readFile(values.names, 'utf8').catch(() => fail(CMD, `cannot read the names file ${values.names}`));
    const listed = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    if (listed.length > count) fail(CMD, `the names file lists ${listed.length} names but --count is ${count}`, 2);
    listed.forEach((n, i) => {
      const problem = validateMemberName(n);
      if (problem) fail(CMD, `names file line ${i + 1} ("${n}"): ${problem}`, 2);
    });
    if (new Set(listed).size !== listed.length) fail(CMD, 'the names file lists a name twice', 2);
    names = [...listed, ...defaultNames(count).slice(listed.length)];
  }
  if (!values.force && (await holdsCircle(values.out))) {
    fail(
      CMD,
      `${values.out} already holds identity files; pass --force to overwrite them (already seeded keys stay valid until you revoke them)`,
    );
  }

  const circle = await generateCircleFiles({
    dir: values.out,
    relayUrl: values['relay-url'],
    names,
    passphraseFor: values['passphrase-prompt']
      ? async (i, name) => {
          const p = await promptSecret(`Passphrase for ${name} (identity ${i + 1}; empty = no passphrase): `);
          return p.length > 0 ? p : undefined;
        }
      : undefined,
  });

  console.log(`Circle ${toHex(circle.roster.circleId)} with ${names.length} members, relay ${circle.roster.relayUrl}\n`);
  console.log('Hand each member their own file, in person:');
  for (const f of circle.files)
    console.log(
      `  ${join(values.out, f.file)}  ->  ${f.name}${f.sealed ? '  (passphrase protected: tell them the passphrase separately)' : ''}`,
    );
  console.log(`\nSeed the relay's allowlist (key hashes only):  npm run seed -- ${circle.allowlistPath}`);
  console.log(`Roster-signing key: ${join(values.out, OPERATOR_DIR)}/ — keep it offline and never hand it out.`);
});
