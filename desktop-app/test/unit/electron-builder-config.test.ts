import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config, { ELECTRON_FUSES } from '../../electron-builder.config.js';

const require = createRequire(import.meta.url);
const { FuseV1Options } = require('@electron/fuses') as { FuseV1Options: Record<string, string | number> };
const builderConfig = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration: (config: unknown, logger: unknown) => Promise<void>;
  getConfig: (projectDir: string, configPath: string, configFromOptions: null) => Promise<{ appId?: string; electronFuses?: unknown }>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const plist = require('plist') as { parse: (xml: string) => unknown };

/** Every fuse @electron/fuses knows, by electron-builder's name for it (RunAsNode -> runAsNode). */
const ALL_FUSES = Object.keys(FuseV1Options)
  .filter((name) => Number.isNaN(Number(name)))
  .map((name) => name[0]!.toLowerCase() + name.slice(1));

describe('electron-builder config', () => {
  it('knows every fuse of the installed @electron/fuses (8 today)', () => {
    expect(ALL_FUSES).toHaveLength(8);
  });

  it('sets every fuse explicitly to a boolean', () => {
    const fuses = config.electronFuses as Record<string, unknown>;
    for (const fuse of ALL_FUSES) expect(typeof fuses[fuse], fuse).toBe('boolean');
    expect(Object.keys(fuses).sort()).toEqual([...ALL_FUSES].sort());
  });

  it('sets each fuse to the hardened value', () => {
    expect(config.electronFuses).toStrictEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.electronFuses).toStrictEqual({ ...ELECTRON_FUSES });
  });

  it('packs only the built files into an asar, for the agreed targets', () => {
    expect(config.appId).toBe('org.circle.messenger');
    expect(config.productName).toBe('Circle');
    expect(config.asar).toBe(true);
    expect(config.files).toEqual(expect.arrayContaining(['dist/main.cjs', 'dist/preload.cjs', 'dist/renderer/**/*']));
    expect((config.files as string[]).filter((f) => !f.startsWith('!') && !f.startsWith('dist/') && f !== 'package.json')).toEqual([]);
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.mac?.hardenedRuntime).toBe(true);
    expect(config.win?.target).toEqual(['nsis']);
  });

  it('signs the macOS app and its helpers with exactly JIT, camera and microphone entitlements', () => {
    expect(config.mac?.entitlements).toBe('packaging/entitlements.mac.plist');
    expect(config.mac?.entitlementsInherit).toBe(config.mac?.entitlements);
    const xml = readFileSync(new URL(`../../${config.mac!.entitlements!}`, import.meta.url), 'utf8');
    // Parsed by the plist reader electron-builder itself depends on.
    expect(plist.parse(xml)).toStrictEqual({
      'com.apple.security.cs.allow-jit': true,
      'com.apple.security.device.camera': true,
      'com.apple.security.device.audio-input': true,
    });
  });

  it('electron-builder loads the .ts file itself, as `--config electron-builder.config.ts --projectDir desktop-app` would', async () => {
    const loaded = await builderConfig.getConfig(fileURLToPath(new URL('../..', import.meta.url)), 'electron-builder.config.ts', null);
    expect(loaded.appId).toBe('org.circle.messenger');
    expect(loaded.electronFuses).toStrictEqual(config.electronFuses);
  });

  it("passes electron-builder's own schema validation", async () => {
    await expect(builderConfig.validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
  });
});
