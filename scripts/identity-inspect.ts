/**
 * npm run identity:inspect -- FILE
 * Prints an identity file's member name, circle, relay URL and roster with safety numbers.
 * Never prints a secret key. Exits non-zero with a one-line reason on a bad file.
 */
import { readFile } from 'node:fs/promises';
import { MAX_IDENTITY_FILE_BYTES, decodeIdentityFile, peekIdentityFile, safetyNumber, selfMember, toHex } from '@circle/protocol';
import { fail, parseCommandArgs, promptSecret, runCommand } from './lib/cli.js';

const CMD = 'identity:inspect';

runCommand(CMD, async () => {
  const { positionals } = parseCommandArgs(CMD, {});
  const path = positionals[0];
  if (!path || positionals.length > 1) fail(CMD, 'usage: npm run identity:inspect -- FILE', 2);
  const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) =>
    fail(CMD, `cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : (e.code ?? 'unreadable')}`),
  );
  if (bytes.length > MAX_IDENTITY_FILE_BYTES) fail(CMD, `${path} is far too large to be an identity file`);
  const { sealed } = peekIdentityFile(bytes);
  const passphrase = sealed ? await promptSecret('Passphrase: ') : undefined;
  const identity = await decodeIdentityFile(bytes, { passphrase });
  const me = selfMember(identity);
  const { roster } = identity;
  console.log(`Member:     ${me.name}`);
  console.log(`Circle:     ${toHex(roster.circleId)} (${roster.members.length} members)`);
  console.log(`Relay:      ${roster.relayUrl}`);
  console.log(`Issued:     ${new Date(Number(roster.issuedAt)).toISOString()}`);
  console.log(`Protected:  ${sealed ? 'yes, by a passphrase' : 'no passphrase (keep this file private)'}`);
  console.log(`Roster (signature verified):`);
  for (const m of roster.members) {
    const mark = m === me ? '  (you)' : '';
    console.log(`  ${m.name}${mark}`);
    if (m !== me) console.log(`    safety number with you: ${safetyNumber(me, m)}`);
  }
});
