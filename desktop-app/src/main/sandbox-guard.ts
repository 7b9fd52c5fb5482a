/**
 * Circle does not run without Chromium's sandbox. Switches that turn it off (in a launcher, a
 * desktop entry, or typed by someone) make the app refuse to start, saying why, instead of
 * quietly running every page with the operating system's full rights.
 */
export const SANDBOX_OFF_SWITCHES = [
  'no-sandbox',
  'disable-gpu-sandbox',
  'no-zygote-sandbox',
  'disable-seccomp-filter-sandbox',
  'disable-renderer-sandbox',
] as const;

export const NO_SANDBOX_TITLE = 'Circle will not start without its sandbox';

/** The switch that turns the sandbox off, or null when none is present. */
export function sandboxOffSwitch(commandLine: { hasSwitch(name: string): boolean }): string | null {
  return SANDBOX_OFF_SWITCHES.find((name) => commandLine.hasSwitch(name)) ?? null;
}

export function noSandboxMessage(switchName: string): string {
  return (
    `Circle was started with --${switchName}. Without Chromium's sandbox, a flaw in the page showing your ` +
    'messages would give whoever exploits it your whole account on this computer. Start Circle from its ' +
    'menu entry (installed by the .deb package), or without that option.'
  );
}
