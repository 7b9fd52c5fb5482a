/**
 * Packaging for Circle (electron-builder 26). From the repo root, after the renderer and
 * electron builds have filled desktop-app/dist/:
 *   npx electron-builder --config electron-builder.config.ts --projectDir desktop-app
 *
 * Every Electron fuse is set explicitly (STYLE habit 4; anchor: element-desktop electron-builder.ts),
 * so a change of Electron's defaults can never silently loosen the shipped binary.
 * @see https://www.electron.build/tutorials/adding-electron-fuses
 */
import { createRequire } from 'node:module';
import type { Configuration } from 'electron-builder';

type FuseOptionsV1 = NonNullable<Configuration['electronFuses']>;

// Read the package.json only: require('electron') itself would try to download the binary.
const { version: electronVersion } = createRequire(import.meta.url)('electron/package.json') as { version: string };

/** Each of @electron/fuses' V1 fuses, none left to its default. */
export const ELECTRON_FUSES = {
  // ELECTRON_RUN_AS_NODE would turn the signed binary into a general-purpose Node.
  runAsNode: false,
  // Chromium's cookie store encrypted with the OS keychain (we keep no cookies; it costs nothing).
  enableCookieEncryption: true,
  // NODE_OPTIONS / NODE_EXTRA_CA_CERTS could inject code or trust into the main process.
  enableNodeOptionsEnvironmentVariable: false,
  // --inspect and SIGUSR1 would open a debugger on the main process.
  enableNodeCliInspectArguments: false,
  // Refuse an app.asar whose hash does not match the one embedded at build time (macOS, Windows).
  enableEmbeddedAsarIntegrityValidation: true,
  // Load the app only from app.asar, never from a loose app/ folder beside it.
  onlyLoadAppFromAsar: true,
  // The standard V8 snapshot; we ship no browser-process-specific one.
  loadBrowserProcessSpecificV8Snapshot: false,
  // Pages come from app://, never file://: file: gets no extra privileges.
  grantFileProtocolExtraPrivileges: false,
} as const satisfies Required<Omit<FuseOptionsV1, 'resetAdHocDarwinSignature'>>;

/**
 * A release build (`CIRCLE_RELEASE=1`) must be signed, or the build fails (`forceCodeSigning`).
 * electron-builder takes the certificates from the environment, never from this file:
 * macOS `CSC_LINK` + `CSC_KEY_PASSWORD` (Developer ID Application) and, for notarization,
 * `APPLE_API_KEY` + `APPLE_API_KEY_ID` + `APPLE_API_ISSUER`; Windows `WIN_CSC_LINK` +
 * `WIN_CSC_KEY_PASSWORD` (or `CSC_LINK`). The .deb is not code-signed: its integrity on the way
 * to members is the apt repository's signature (docs/decisions/2026-12-07-updates-and-signing.md).
 */
export function isReleaseBuild(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CIRCLE_RELEASE === '1';
}

export function builderConfig(env: NodeJS.ProcessEnv = process.env): Configuration {
  const release = isReleaseBuild(env);
  return {
    appId: 'org.circle.messenger',
    productName: 'Circle',
    copyright: 'Circle contributors, AGPL-3.0-only',
    electronVersion,
    directories: { output: 'release', buildResources: 'build' },
    // Main, preload and renderer are bundled, so the packaged app needs no node_modules.
    files: ['package.json', 'dist/main.cjs', 'dist/preload.cjs', 'dist/renderer/**/*', '!**/*.map', '!node_modules{,/**/*}'],
    asar: true,
    electronFuses: { ...ELECTRON_FUSES },
    forceCodeSigning: release,
    linux: {
      // The .deb only: it installs electron-builder's AppArmor profile (allowing the user namespaces
      // Chromium's sandbox needs on Ubuntu 24.04+) and a SUID chrome-sandbox where namespaces are off.
      // The AppImage is not built: its launcher adds --no-sandbox, which the app refuses.
      target: ['deb'],
      category: 'Network;InstantMessaging;Chat',
      maintainer: 'Circle <circle@localhost>',
    },
    deb: { packageCategory: 'net' },
    mac: {
      target: ['dmg'],
      category: 'public.app-category.social-networking',
      hardenedRuntime: true,
      notarize: release,
      // electron-builder's default entitlements lack the camera and microphone and add two we do
      // not need (unsigned executable memory, no library validation).
      entitlements: 'packaging/entitlements.mac.plist',
      entitlementsInherit: 'packaging/entitlements.mac.plist',
      extendInfo: {
        NSCameraUsageDescription: 'Circle uses the camera for video calls.',
        NSMicrophoneUsageDescription: 'Circle uses the microphone for calls.',
      },
    },
    win: { target: ['nsis'], signtoolOptions: { signingHashAlgorithms: ['sha256'] } },
    nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  };
}

export default builderConfig();
