/**
 * The bundles that ship, not just the sources: built with the real build script into a temp
 * folder, then run against the fake Electron.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@circle/protocol';
import { CHANNELS } from '../../src/shared/bridge.js';
import { buildElectron } from '../../scripts/build-electron.js';
import * as fake from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js'));

let out: string;
let mainCode: string;
let preloadCode: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'circle-build-'));
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  await buildElectron({ outDir: out });
  vi.restoreAllMocks();
  [mainCode, preloadCode] = await Promise.all([
    readFile(path.join(out, 'main.cjs'), 'utf8'),
    readFile(path.join(out, 'preload.cjs'), 'utf8'),
  ]);
}, 60_000);
afterAll(() => rm(out, { recursive: true, force: true }));
beforeEach(() => fake.resetFakeElectron());

const requiredModules = (code: string) => [...new Set([...code.matchAll(/\brequire\(["']([^"']+)["']\)/g)].map((m) => m[1]!))].sort();
const nodeRequire = createRequire(import.meta.url);
const fakeRequire = (id: string): unknown => (id === 'electron' ? fake : nodeRequire(id));

describe('dist/preload.cjs', () => {
  it("requires nothing but 'electron' (a sandboxed preload can load nothing else)", () => {
    expect(requiredModules(preloadCode)).toEqual(['electron']);
  });

  it('is small: the bridge constants only, no zod and no protocol crypto', () => {
    expect(preloadCode.length).toBeLessThan(10_000);
    expect(preloadCode).not.toMatch(/zod|noble|ZodError/i);
  });

  it('exposes window.circle and refuses unknown channels when run', async () => {
    const module = { exports: {} };
    vm.runInNewContext(preloadCode, { require: fakeRequire, module, exports: module.exports, Promise, Object, Set, String });
    const circle = fake.contextBridge.exposed.get('circle') as { platform: string; invoke(c: string): Promise<unknown> };
    expect(Object.keys(circle).sort()).toEqual(['invoke', 'platform']);
    expect(await circle.invoke('shell:exec')).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    for (const channel of CHANNELS) await circle.invoke(channel);
    expect(fake.ipcRenderer.invocations.map((i) => i.channel)).toEqual([...CHANNELS]);
  });
});

describe('dist/main.cjs', () => {
  it('requires only electron and Node built-ins (everything else is bundled)', () => {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    expect(requiredModules(mainCode).filter((m) => m !== 'electron' && !builtins.has(m))).toEqual([]);
  });

  it('boots against Electron: sandbox first, then one hardened window on app://circle', async () => {
    fake.app.appPath = '/opt/circle/resources/app.asar';
    const module = { exports: {} };
    const load = vm.runInThisContext(`(function (require, module, exports) {${mainCode}\n})`) as (
      r: typeof fakeRequire,
      m: object,
      e: object,
    ) => void;
    load(fakeRequire, module, module.exports);
    expect(fake.calls[0]).toBe('app.enableSandbox');
    await fake.app.makeReady();
    const win = fake.BrowserWindow.instances[0]!;
    expect(win.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      preload: '/opt/circle/resources/app.asar/dist/preload.cjs',
    });
    expect(win.loadedUrls).toEqual(['app://circle/index.html']);
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
  });

  it('carries its build time: started more than 90 days later, it tells the member to install the current release', async () => {
    expect(mainCode).not.toMatch(/typeof CIRCLE_BUILT_AT/);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 91 * 24 * 60 * 60 * 1000);
    try {
      fake.app.appPath = '/opt/circle/resources/app.asar';
      const module = { exports: {} };
      const load = vm.runInThisContext(`(function (require, module, exports) {${mainCode}\n})`) as (
        r: typeof fakeRequire,
        m: object,
        e: object,
      ) => void;
      load(fakeRequire, module, module.exports);
      await fake.app.makeReady();
      expect(fake.dialog.messageBoxes.map((b) => b.options.message)).toEqual(['This copy of Circle is 91 days old']);
    } finally {
      vi.useRealTimers();
    }
  });
});
