/**
 * One process per embedded data folder. PGlite takes no lock of its own, and two relays
 * writing the same `pgdata` would corrupt it, so we hold `<dir>/circle.lock` (our pid)
 * while the database is open. A lock left by a process that has died is taken over.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CircleError, ErrorCode } from '@circle/protocol';

const LOCK_FILE = 'circle.lock';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which still means "in use".
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    await writeFile(path, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Takes the folder's lock or throws Unavailable; resolves to a function that releases it. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  const release = () => rm(path, { force: true });
  if (await tryCreate(path)) return release;
  const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
    throw new CircleError(
      ErrorCode.Unavailable,
      'database:open',
      `the data folder ${dir} is in use by process ${holder}; stop it or choose another folder`,
    );
  }
  // Stale lock from a process that is gone: replace it (a racing taker loses on 'wx').
  await rm(path, { force: true });
  if (await tryCreate(path)) return release;
  throw new CircleError(ErrorCode.Unavailable, 'database:open', `the data folder ${dir} is in use by another process`);
}
