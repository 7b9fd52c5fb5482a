/**
 * npm run identity:inspect -- FILE
 * Prints an identity file's member name, circle, relay URL and roster with safety numbers.
 * Never prints a secret key. Exits non-zero with a one-line reason on a bad file.
 */
import { readFile } from 'node:fs/promises';
import { MAX_IDENTITY_FILE_BYTES, decodeIdentityFile, keyHash, peekIdentityFile, safetyNumber, selfMember, toHex } from '@circle/protocol';
import { fail, parseCommandArgs, promptSecret, runCommand } from './lib/cli.js';

const CMD = 'identity:inspect';
const USAGE = `usage: npm run identity:inspect -- FILE
Shows an identity file's member, key hash (what npm run revoke takes), circle, relay URL, issue date,
whether it is sealed, and the roster with safety numbers. Asks the passphrase of a sealed file.
Never prints a secret.`;

runCommand(CMD, async () => {
  const { positionals } = parseCommandArgs(CMD, { usage: USAGE, options: {}, positionals: { min: 1, max: 1, names: 'the identity FILE' } });
  const path = positionals[0]!;
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
  console.log(`Key hash:   ${keyHash(me.ed25519PublicKey)}  (npm run revoke -- this, to revoke the member)`);
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
