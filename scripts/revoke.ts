/**
 * npm run revoke -- KEYHASH | identity-NN.bin [--circle DIR]
 * Revokes a member: the relay refuses them from now on and drops their open connections.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { decodeIdentityFile, keyHash, peekIdentityFile, selfMember } from '@circle/protocol';
import { MEMBER_LIST_MAX_AGE_MS, MEMBER_LIST_REFRESH_MS } from '@circle/relay-server';
import { memberRecord } from './lib/circle-files.js';
import { fail, parseCommandArgs, printable, promptSecret, runCommand } from './lib/cli.js';
import { openOperatorDb, operatorDbConfig } from './lib/operator-db.js';

const CMD = 'revoke';
const USAGE = `usage: npm run revoke -- KEYHASH | DIR/identity-NN.bin [--circle DIR]
Revokes one member for good: the relay refuses their key and drops their connections.
  KEYHASH       64 hex digits, from allowlist.json or npm run identity:inspect
  FILE          the member's identity file (asks its passphrase if it is sealed)
  --circle DIR  the circle's folder, to name the member revoked by KEYHASH
Reads DATABASE_URL (or the embedded database in CIRCLE_DATA_DIR) like npm run seed.`;

runCommand(CMD, async () => {
  const { positionals, values } = parseCommandArgs(CMD, {
    usage: USAGE,
    options: { circle: { type: 'string' } },
    positionals: { min: 1, max: 1, names: 'the KEYHASH or identity file to revoke' },
  });
  const target = positionals[0]!;
  operatorDbConfig();
  let hash: string;
  let label: string;
  if (/^[0-9a-f]{64}$/i.test(target)) {
    hash = target.toLowerCase();
    const member = values.circle ? await memberRecord(values.circle, hash) : undefined;
    if (values.circle && !member) fail(CMD, `no member of the circle in ${values.circle} has key hash ${hash}`, 2);
    label = member ? `${member.name} (${member.file})` : `key ${hash.slice(0, 12)}…`;
  } else if (existsSync(target)) {
    const bytes = await readFile(target);
    const passphrase = peekIdentityFile(bytes).sealed ? await promptSecret('Passphrase of that identity file: ') : undefined;
    const identity = await decodeIdentityFile(bytes, { passphrase });
    hash = keyHash(selfMember(identity).ed25519PublicKey);
    label = selfMember(identity).name;
  } else {
    fail(CMD, `${printable(target)} is neither a 64-hex-digit key hash nor an identity file`, 2);
  }
  const db = await openOperatorDb();
  try {
    const status = await db.allowlist.lookup(hash);
    if (!status) fail(CMD, `${label} is not on the allowlist in ${db.where}`);
    if (status.revoked) {
      console.log(`${label} was already revoked; nothing changed.`);
      return;
    }
    await db.allowlist.revoke(hash);
    // Every relay node serves a member only while its member list is at most MEMBER_LIST_MAX_AGE_MS
    // old, and re-reads it every MEMBER_LIST_REFRESH_MS, closing revoked members' sockets as it
    // does: after this wait, every node refuses this identity and has dropped its connections.
    await new Promise((resolve) => setTimeout(resolve, MEMBER_LIST_MAX_AGE_MS + MEMBER_LIST_REFRESH_MS));
    console.log(`Revoked ${label}. Every relay process now refuses them and has closed their connections.`);
  } finally {
    await db.close();
  }
});
