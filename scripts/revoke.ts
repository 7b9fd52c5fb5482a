/**
 * npm run revoke -- KEYHASH | identity-NN.bin
 * Revokes a member: the relay refuses them from now on and drops their open connections.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { decodeIdentityFile, keyHash, peekIdentityFile, selfMember } from '@circle/protocol';
import { fail, parseCommandArgs, promptSecret, runCommand } from './lib/cli.js';
import { openOperatorDb } from './lib/operator-db.js';

const CMD = 'revoke';

runCommand(CMD, async () => {
  const { positionals } = parseCommandArgs(CMD, {});
  const target = positionals[0];
  if (!target || positionals.length !== 1) fail(CMD, 'usage: npm run revoke -- KEYHASH | identity-NN.bin', 2);
  let hash: string;
  let label = 'that key hash';
  if (/^[0-9a-f]{64}$/.test(target)) {
    hash = target;
  } else if (existsSync(target)) {
    const bytes = await readFile(target);
    const passphrase = peekIdentityFile(bytes).sealed ? await promptSecret('Passphrase of that identity file: ') : undefined;
    const identity = await decodeIdentityFile(bytes, { passphrase });
    hash = keyHash(selfMember(identity).ed25519PublicKey);
    label = selfMember(identity).name;
  } else {
    fail(CMD, `${target} is neither a 64-hex-digit key hash nor an identity file`, 2);
  }
  const db = await openOperatorDb();
  try {
    if (!(await db.allowlist.revoke(hash))) fail(CMD, `${label} is not on the allowlist in ${db.where}`);
    console.log(`Revoked ${label}. A running relay drops their connections within a second.`);
  } finally {
    await db.close();
  }
});
