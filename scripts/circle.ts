/**
 * The headless Circle client, on the same client core as the desktop app.
 *   npm run circle -- send   --identity F --to NAME[,NAME...] [--group NAME] (--text T | --file PATH) [--relay URL]
 *   npm run circle -- recv   --identity F [--wait S] [--save-dir DIR] [--relay URL]
 *   npm run circle -- listen --identity F [--save-dir DIR] [--relay URL]
 * recv prints what the mailbox holds (and what arrives within --wait seconds) and exits 0.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CircleError, normalizeRelayUrl, peekIdentityFile, nativeSuite, toHex, type Conversation } from '@circle/protocol';
import { CircleClient, type Contact, type ReceivedMessage } from '@circle/desktop-app/core';
import { fail, parseCommandArgs, printable, promptSecret, runCommand } from './lib/cli.js';
import { probeRelay } from './lib/relay-probe.js';

const CMD = 'circle';
const USAGE = `usage:
  npm run circle -- send   --identity F --to NAME[,NAME...] [--group NAME] (--text T | --file PATH) [--relay URL]
  npm run circle -- recv   --identity F [--wait SECONDS] [--save-dir DIR] [--relay URL]
  npm run circle -- listen --identity F [--save-dir DIR] [--relay URL]
The headless Circle client. A sealed identity file's passphrase is asked (or read from standard input).
--relay overrides the relay URL in the identity file (https://, or http:// on loopback).`;

runCommand(CMD, async () => {
  const { values, positionals } = parseCommandArgs(CMD, {
    usage: USAGE,
    options: {
      identity: { type: 'string' },
      to: { type: 'string' },
      group: { type: 'string' },
      text: { type: 'string' },
      file: { type: 'string' },
      wait: { type: 'string', default: '0' },
      'save-dir': { type: 'string', default: 'received' },
      relay: { type: 'string' },
    },
    positionals: { min: 1, max: 1, names: 'the command: send, recv or listen' },
  });
  const command = positionals[0]!;
  if (!['send', 'recv', 'listen'].includes(command))
    fail(CMD, `unknown command "${printable(command)}": send, recv or listen (see --help)`, 2);
  if (!values.identity) fail(CMD, '--identity FILE is required (see --help)', 2);
  const waitSeconds = command === 'listen' ? Infinity : /^\d+(\.\d+)?$/.test(values.wait) ? Number(values.wait) : NaN;
  if (Number.isNaN(waitSeconds)) fail(CMD, '--wait must be a number of seconds, e.g. --wait 5', 2);
  let relayUrl: string | undefined;
  if (values.relay !== undefined) {
    const url = normalizeRelayUrl(values.relay);
    if (!url.ok) fail(CMD, `--relay: ${url.problem}`, 2);
    relayUrl = url.url;
  }
  const bytes = await readFile(values.identity).catch(() => fail(CMD, `cannot read ${values.identity}`));
  const passphrase = peekIdentityFile(bytes).sealed ? await promptSecret('Passphrase: ') : undefined;
  const client = await CircleClient.open(bytes, { passphrase, relayUrl });
  const problem = await probeRelay(client.connection.relayUrl);
  if (problem) fail(CMD, problem);
  client.connect();
  await client.waitOnline();
  try {
    if (command === 'send') await send(client, values);
    else await receive(client, waitSeconds, values['save-dir']);
  } finally {
    client.close();
  }
});

async function send(client: CircleClient, values: { to?: string; group?: string; text?: string; file?: string }) {
  if (!values.to) fail(CMD, '--to NAME is required', 2);
  if (Boolean(values.text) === Boolean(values.file)) fail(CMD, 'give exactly one of --text or --file', 2);
  const recipients = values.to.split(',').map((n) => {
    const c = client.directory.byName(n.trim());
    if (!c)
      fail(CMD, `no member named "${n.trim()}" in this circle (members: ${client.directory.contacts.map((m) => m.name).join(', ')})`, 2);
    if (c.isMe) fail(CMD, 'you cannot send to yourself', 2);
    return c;
  });
  const conversation: Conversation =
    recipients.length === 1 && !values.group
      ? { kind: 'direct' }
      : {
          kind: 'group',
          id: toHex(nativeSuite.randomBytes(16)),
          name: values.group ?? recipients.map((r) => r.name).join(', '),
          members: [client.me.id, ...recipients.map((r) => r.id)],
        };
  const sent = values.text
    ? await client.send(conversation, { type: 'text', text: values.text }, recipients)
    : await sendFile(client, conversation, values.file!, recipients);
  for (const c of sent.copies)
    console.log(
      `sent to ${client.directory.get(c.to)?.name} (kept by the relay until ${Number.isFinite(c.expiresAt) ? new Date(c.expiresAt).toISOString() : 'its expiry'})`,
    );
  for (const f of sent.failed) console.error(`not sent to ${client.directory.get(f.to)?.name}: ${f.error.message}`);
  if (sent.failed.length) process.exitCode = 1;
}

async function sendFile(client: CircleClient, conversation: Conversation, path: string, recipients: Contact[]) {
  const bytes = await readFile(path).catch(() => fail(CMD, `cannot read ${path}`));
  return client.sendFile(
    conversation,
    { name: basename(path), mime: 'application/octet-stream', bytes: new Uint8Array(bytes) },
    recipients,
  );
}

async function receive(client: CircleClient, waitSeconds: number, saveDir: string) {
  const queue: Promise<void>[] = [];
  const received: ReceivedMessage[] = [];
  let live = false;
  client.on('message', (m) => {
    received.push(m);
    if (live) queue.push(print(client, m, saveDir));
  });
  client.on(
    'state',
    ({ state, error }) =>
      live && state !== 'online' && state !== 'closed' && console.error(`[connection: ${state}${error ? `: ${error.message}` : ''}]`),
  );
  await client.sync();
  // What the mailbox already held prints in the order it was sent; live arrivals as they come.
  for (const m of [...received].sort((a, b) => a.sentAt - b.sentAt)) await print(client, m, saveDir);
  live = true;
  if (waitSeconds === Infinity) {
    await new Promise<never>(() => undefined);
  }
  if (waitSeconds > 0) await new Promise((r) => setTimeout(r, waitSeconds * 1000));
  live = false;
  await Promise.all(queue);
  await client.sendReceipts(received, 'delivered');
}

async function print(client: CircleClient, m: ReceivedMessage, saveDir: string) {
  const who = m.fromMe ? `${m.from.name} (you)` : m.from.name;
  const when = new Date(m.sentAt).toISOString();
  const where = m.content.conversation.kind === 'group' ? ` in ${m.content.conversation.name}` : '';
  const body = m.content.body;
  switch (body.type) {
    case 'text':
      return console.log(`[${when}] ${who}${where}: ${body.text}`);
    case 'file': {
      if (m.fromMe) return console.log(`[${when}] ${who}${where}: sent file ${body.file.name} (${body.file.size} bytes)`);
      try {
        const bytes = await client.downloadFile(body.file);
        await mkdir(saveDir, { recursive: true });
        const path = join(saveDir, safeName(body.file.name));
        await writeFile(path, bytes);
        return console.log(`[${when}] ${who}${where}: file ${body.file.name} (${bytes.length} bytes) saved to ${path}`);
      } catch (err) {
        return console.log(
          `[${when}] ${who}${where}: file ${body.file.name} could not be downloaded: ${err instanceof CircleError ? err.message : 'error'}`,
        );
      }
    }
    case 'receipt':
      return console.log(`[${when}] ${who}: ${body.state} ${body.targets.length} message(s)`);
    default:
      return console.log(`[${when}] ${who}${where}: ${body.type}`);
  }
}

/** A received file name, made safe to use as a file name here. */
function safeName(name: string): string {
  const base = [...name]
    .map((ch) => (ch === '/' || ch === '\\' || ch.charCodeAt(0) < 32 ? '_' : ch))
    .join('')
    .replace(/^\.+/, '_');
  return base.slice(0, 200) || 'file';
}
