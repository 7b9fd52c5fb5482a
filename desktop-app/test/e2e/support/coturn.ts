/**
 * A real coturn TURN server on loopback for call tests (DESIGN.md §3 recipe): REST-API
 * credentials (use-auth-secret), no TLS, loopback peers allowed only here, in tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../../../../relay-server/test/support/free-port.js';
import { randomBytes } from 'node:crypto';

export interface Coturn {
  url: string;
  secret: string;
  stop(): Promise<void>;
}

const TURNSERVER = '/usr/bin/turnserver';

export async function startCoturn(): Promise<Coturn> {
  if (!existsSync(TURNSERVER)) throw new Error('coturn is not installed: apt-get install -y coturn');
  const port = await freePort();
  const secret = randomBytes(24).toString('hex');
  const minPort = 40000 + Math.floor(Math.random() * 200) * 100;
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 99}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=circle',
      '--no-tls',
      '--no-dtls',
      '--allow-loopback-peers',
      '--no-cli',
      '--fingerprint',
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => resolve(), 3000);
    let log = '';
    child.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
      if (/listener opened on|Total General servers/i.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`turnserver exited early (${code}): ${log.slice(-500)}`)));
  });
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
    },
  };
}
