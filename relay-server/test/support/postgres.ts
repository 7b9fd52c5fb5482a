/**
 * A throwaway real PostgreSQL for tests: a fresh cluster from Debian's server binaries in a
 * temp folder on a free loopback port, or, when TEST_DATABASE_URL points at a server, a
 * fresh database in it. Either way the caller gets a URL no other test uses.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const INSTALL_HINT = 'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: apt-get install -y postgresql';

export interface StartOptions {
  /**
   * PostgreSQL's default durability (fsync, synchronous_commit, full_page_writes on), as an
   * operator runs it. Off by default: tests do not need their writes to survive a power cut.
   * Applies to a cluster started here; a TEST_DATABASE_URL server keeps its own settings.
   */
  durable?: boolean;
}

export async function startPostgres(options: StartOptions = {}): Promise<TestPostgres> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  return serverUrl ? createScratchDatabase(serverUrl) : startCluster(options.durable ?? false);
}

/** Newest installed major version's bin folder (Debian installs them side by side). */
function findServerBin(): string {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(INSTALL_HINT);
  return join(PG_ROOT, newest, 'bin');
}

/** initdb and postgres refuse to run as root: as root, run them as the `postgres` system user. */
function asServerUser(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

async function chownToServerUser(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  await chown(dir, uid, gid);
}

async function startCluster(durable: boolean): Promise<TestPostgres> {
  const bin = findServerBin();
  const dir = await mkdtemp(join(tmpdir(), 'circle-pg-'));
  await chownToServerUser(dir);
  const dataDir = join(dir, 'data');
  const pgCtl = (args: string[]) => run(...asServerUser(join(bin, 'pg_ctl'), args));
  try {
    await run(
      ...asServerUser(join(bin, 'initdb'), [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ]),
    );
    const port = await startServer(pgCtl, dataDir, dir, durable);
    const stop = onceOnly(async () => {
      process.off('exit', stopNow);
      await pgCtl(['stop', '-D', dataDir, '-m', 'immediate', '-s']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });
    // A test run that dies without afterAll must not leave a server behind.
    const stopNow = () => {
      try {
        execFileSync(...asServerUser(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate', '-s']), { stdio: 'ignore' });
      } catch {
        // Already stopped: nothing to clean up.
      }
    };
    process.once('exit', stopNow);
    return { url: `postgresql://postgres@127.0.0.1:${port}/postgres`, stop };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Starts the server on a free port; retries if another process took the port in between. */
async function startServer(pgCtl: (args: string[]) => Promise<unknown>, dataDir: string, dir: string, durable: boolean): Promise<number> {
  const relaxed = durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // Socket dir inside our folder: no clash with a system server in /var/run/postgresql.
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${relaxed}`;
    try {
      await pgCtl(['start', '-D', dataDir, '-w', '-t', '60', '-s', '-l', join(dir, 'server.log'), '-o', options]);
      return port;
    } catch (err) {
      if (attempt >= 3) {
        const log = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '');
        throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log.slice(-2000)}`, { cause: err });
      }
    }
  }
}

async function createScratchDatabase(serverUrl: string): Promise<TestPostgres> {
  const name = `circle_test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    stop: onceOnly(() => withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function onceOnly(fn: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn().then(() => undefined));
}
