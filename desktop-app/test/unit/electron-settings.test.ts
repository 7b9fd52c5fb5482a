import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircleError, ErrorCode } from '@circle/protocol';
import { DEFAULT_SETTINGS, type SettingsPatch } from '../../src/shared/settings.js';

vi.mock('electron', () => import('./fake-electron.js'));

const { SettingsStore } = await import('../../src/main/settings.js');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'circle-settings-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const settingsFile = () => path.join(dir, 'settings.json');
const SAFETY = '12345 12345 12345 12345 12345 12345 12345 12345 12345 12345 12345 12345';
const CONTACT = 'ab'.repeat(32);

async function expectRefused(promise: Promise<unknown>, field: string) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CircleError);
  expect((err as CircleError).code).toBe(ErrorCode.BadRequest);
  expect((err as CircleError).message).toContain(field);
}

describe('SettingsStore', () => {
  it('starts from the defaults when there is no file, and writes nothing until an update', async () => {
    const store = new SettingsStore(dir);
    expect(await store.get()).toEqual(DEFAULT_SETTINGS);
    expect(await readdir(dir)).toEqual([]);
  });

  it('round-trips an update through the file', async () => {
    const first = new SettingsStore(dir);
    const patch: SettingsPatch = {
      notifications: { showContent: true },
      calls: { relayOnly: false, cameraId: 'cam-1' },
      verified: { [CONTACT]: SAFETY },
    };
    await first.rememberIdentity('/home/member/identity-07.bin', 1234);
    const updated = await first.update(patch);
    expect(updated).toEqual({
      notifications: { enabled: true, showContent: true },
      calls: { relayOnly: false, cameraId: 'cam-1' },
      lastIdentityPath: '/home/member/identity-07.bin',
      lastIdentitySize: 1234,
      verified: { [CONTACT]: SAFETY },
    });
    expect(await new SettingsStore(dir).get()).toEqual(updated);
    expect(JSON.parse(await readFile(settingsFile(), 'utf8'))).toEqual(updated);
  });

  it('loads a file an earlier version wrote with a relay override, dropping the override', async () => {
    await writeFile(settingsFile(), JSON.stringify({ ...DEFAULT_SETTINGS, relayUrlOverride: 'http://attacker.example' }));
    expect(await new SettingsStore(dir).get()).toEqual(DEFAULT_SETTINGS);
  });

  it('a vet function sees the current settings and decides what of the patch applies', async () => {
    const store = new SettingsStore(dir);
    const seen: unknown[] = [];
    const result = await store.update({ calls: { relayOnly: false }, notifications: { enabled: false } }, (current, patch) => {
      seen.push(current.calls.relayOnly, patch.calls?.relayOnly);
      return Promise.resolve({ notifications: patch.notifications });
    });
    expect(seen).toEqual([true, false]);
    expect(result.calls.relayOnly).toBe(true);
    expect(result.notifications.enabled).toBe(false);
  });

  it.skipIf(process.platform === 'win32')('writes the file with mode 0600, leaving no temp files behind', async () => {
    const store = new SettingsStore(dir);
    await store.update({ notifications: { enabled: false } });
    await store.update({ calls: { relayOnly: false } });
    expect((await stat(settingsFile())).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['settings.json']);
  });

  it('applies concurrent updates one after the other, losing none', async () => {
    const store = new SettingsStore(dir);
    await Promise.all([
      store.update({ notifications: { enabled: false } }),
      store.update({ calls: { relayOnly: false } }),
      store.rememberIdentity('/x/id.bin', 100),
    ]);
    expect(await new SettingsStore(dir).get()).toEqual({
      notifications: { enabled: false, showContent: false },
      calls: { relayOnly: false },
      lastIdentityPath: '/x/id.bin',
      lastIdentitySize: 100,
      verified: {},
    });
  });

  it.each([
    [{ relayUrlOverride: 'https://relay.example' }, 'relayUrlOverride'],
    [{ lastIdentityPath: '/home/member/.ssh/id_ed25519' }, 'lastIdentityPath'],
    [{ lastIdentitySize: 10 }, 'lastIdentitySize'],
    [{ notifications: { enabled: 'yes' } }, 'notifications.enabled'],
    [{ calls: { relayOnly: 1 } }, 'calls.relayOnly'],
    [{ verified: { [CONTACT]: 'not a safety number' } }, `verified.${CONTACT}`],
    [{ secretKey: 'AAAA' }, 'secretKey'],
    [{ messages: ['hello'] }, 'messages'],
  ])('refuses the invalid patch %j, naming the field, and writes nothing', async (patch, field) => {
    const store = new SettingsStore(dir);
    await store.update({ calls: { relayOnly: false } });
    const before = await readFile(settingsFile(), 'utf8');
    await expectRefused(store.update(patch as SettingsPatch), field);
    expect(await readFile(settingsFile(), 'utf8')).toBe(before);
    expect(await store.get()).toEqual({ ...DEFAULT_SETTINGS, calls: { relayOnly: false } });
  });

  it('a file that is not JSON is kept as settings.json.corrupt and the defaults are used', async () => {
    await writeFile(settingsFile(), '{"notifications": {"enab');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const store = new SettingsStore(dir);
    expect(await store.get()).toEqual(DEFAULT_SETTINGS);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
    expect(await readFile(`${settingsFile()}.corrupt`, 'utf8')).toBe('{"notifications": {"enab');
    await store.update({ calls: { relayOnly: false } });
    expect(await new SettingsStore(dir).get()).toEqual({ ...DEFAULT_SETTINGS, calls: { relayOnly: false } });
    expect(await readFile(`${settingsFile()}.corrupt`, 'utf8')).toBe('{"notifications": {"enab');
  });

  it('a file that fails the schema (say, one holding a key) is set aside the same way', async () => {
    const smuggled = JSON.stringify({ ...DEFAULT_SETTINGS, secretKey: 'AAAA' });
    await writeFile(settingsFile(), smuggled);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await new SettingsStore(dir).get()).toEqual(DEFAULT_SETTINGS);
    vi.restoreAllMocks();
    expect(await readFile(`${settingsFile()}.corrupt`, 'utf8')).toBe(smuggled);
    await expect(stat(settingsFile())).rejects.toThrow();
  });
});
