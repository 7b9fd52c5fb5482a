import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config, { builderConfig, ELECTRON_FUSES } from '../../electron-builder.config.js';

const require = createRequire(import.meta.url);
const { FuseV1Options } = require('@electron/fuses') as { FuseV1Options: Record<string, string | number> };
const builderConfigLib = require('app-builder-lib/out/util/config/config') as {
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
    expect(config.linux?.target).toEqual(['deb']);
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
    const loaded = await builderConfigLib.getConfig(fileURLToPath(new URL('../..', import.meta.url)), 'electron-builder.config.ts', null);
    expect(loaded.appId).toBe('org.circle.messenger');
    expect(loaded.electronFuses).toStrictEqual(config.electronFuses);
  });

  it("passes electron-builder's own schema validation", async () => {
    await expect(builderConfigLib.validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('ships no Linux package that starts without the sandbox: the .deb only, with no extra launch arguments', () => {
    expect(config.linux?.target).not.toContain('AppImage');
    expect(JSON.stringify(config)).not.toMatch(/no-sandbox|executableArgs/);
    // The .deb keeps electron-builder's own AppArmor profile (no override of it here).
    expect(config.deb).not.toHaveProperty('appArmorProfile');
  });

  it("the installed electron-builder's .deb installs an AppArmor profile allowing user namespaces, and a SUID sandbox where they are off", () => {
    const templates = path.join(path.dirname(require.resolve('app-builder-lib/package.json')), 'templates', 'linux');
    const afterInstall = readFileSync(path.join(templates, 'after-install.tpl'), 'utf8');
    const profile = readFileSync(path.join(templates, 'apparmor-profile.tpl'), 'utf8');
    expect(afterInstall).toContain('resources/apparmor-profile');
    expect(afterInstall).toContain('apparmor_parser --replace');
    expect(afterInstall).toContain("chmod 4755 '/opt/${sanitizedProductName}/chrome-sandbox'");
    expect(profile).toMatch(/^\s*userns,$/m);
  });

  it('a release build (CIRCLE_RELEASE=1) must be code-signed and notarized; a development build need not', async () => {
    const release = builderConfig({ CIRCLE_RELEASE: '1' });
    expect(release.forceCodeSigning).toBe(true);
    expect(release.mac?.notarize).toBe(true);
    expect(release.win?.signtoolOptions?.signingHashAlgorithms).toEqual(['sha256']);
    const dev = builderConfig({});
    expect(dev.forceCodeSigning).toBe(false);
    expect(dev.mac?.notarize).toBe(false);
    // No certificate or password is ever in the config: electron-builder reads them from the environment.
    expect(JSON.stringify(release)).not.toMatch(/CSC_|PASSWORD|\.p12|\.pfx/i);
    await expect(builderConfigLib.validateConfiguration(structuredClone(release), new DebugLogger(false))).resolves.toBeUndefined();
  });
});
