/**
 * The member's settings on disk: `settings.json` in the app's userData folder, mode 0600,
 * replaced atomically (temp file + rename) so a crash never leaves half a file.
 *
 * This store cannot hold a key, a passphrase or a message: every value written is parsed by
 * SettingsSchema, a strict object of a few preferences (notification and call options, the
 * identity file's *path* and size, verified safety numbers), and it rejects any other field.
 *
 * A missing file means defaults. A file that is not valid JSON or fails the schema is moved
 * aside to `settings.json.corrupt` (kept for the member to inspect) and defaults are used.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CircleError, ErrorCode } from '@circle/protocol';
import {
  applySettingsPatch,
  DEFAULT_SETTINGS,
  SettingsPatchSchema,
  SettingsSchema,
  type Settings,
  type SettingsPatch,
  withoutRetiredFields,
} from '../shared/settings.js';

export const SETTINGS_FILE = 'settings.json';
export const CORRUPT_SUFFIX = '.corrupt';
const FILE_MODE = 0o600;

export class SettingsStore {
  readonly filePath: string;
  #current: Settings | null = null;
  /** Serialises reads and writes so two updates never interleave their read-modify-write. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {
    this.filePath = path.join(dir, SETTINGS_FILE);
  }

  get(): Promise<Settings> {
    return this.#serial(() => this.#load());
  }

  /**
   * Applies a partial update; an invalid patch is refused with BadRequest and nothing is written.
   * `vet` sees the current settings and the parsed patch first and returns what may be applied
   * (main asks the member there before a security downgrade); updates wait for it in turn.
   */
  update(patch: SettingsPatch, vet?: (current: Settings, patch: SettingsPatch) => Promise<SettingsPatch>): Promise<Settings> {
    return this.#serial(async () => {
      const parsed = SettingsPatchSchema.safeParse(patch);
      if (!parsed.success) throw new CircleError(ErrorCode.BadRequest, 'settings:update', describeIssue(parsed.error.issues[0]));
      const current = await this.#load();
      const allowed = vet ? await vet(current, parsed.data) : parsed.data;
      let next: Settings;
      try {
        next = applySettingsPatch(current, allowed);
      } catch (err) {
        const issue = (err as { issues?: Issue[] }).issues?.[0];
        throw new CircleError(ErrorCode.BadRequest, 'settings:update', describeIssue(issue));
      }
      await this.#write(next);
      this.#current = next;
      return next;
    });
  }

  /** Main process only: the identity file the member picked in the open dialog (never from the renderer). */
  rememberIdentity(filePath: string, size: number): Promise<Settings> {
    return this.#serial(async () => {
      const next = SettingsSchema.parse({ ...(await this.#load()), lastIdentityPath: filePath, lastIdentitySize: size });
      await this.#write(next);
      this.#current = next;
      return next;
    });
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #load(): Promise<Settings> {
    if (this.#current) return this.#current;
    let text: string;
    try {
      text = await readFile(this.filePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return (this.#current = structuredClone(DEFAULT_SETTINGS));
    }
    const parsed = SettingsSchema.safeParse(withoutRetiredFields(parseJson(text)));
    if (parsed.success) return (this.#current = parsed.data);
    await rename(this.filePath, this.filePath + CORRUPT_SUFFIX);
    console.warn(`circle: settings file was unreadable; kept it as ${SETTINGS_FILE}${CORRUPT_SUFFIX} and started from defaults`);
    return (this.#current = structuredClone(DEFAULT_SETTINGS));
  }

  async #write(settings: Settings): Promise<void> {
    const valid = SettingsSchema.parse(settings);
    await mkdir(this.dir, { recursive: true });
    const temp = `${this.filePath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(valid, null, 2)}\n`, { mode: FILE_MODE, flag: 'wx' });
      await chmod(temp, FILE_MODE); // writeFile's mode is filtered by the umask
      await rename(temp, this.filePath);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }
}

type Issue = { path: PropertyKey[]; message: string };

function describeIssue(issue: Issue | undefined): string {
  if (!issue) return 'invalid settings';
  const field = issue.path.map(String).join('.');
  return field ? `${field}: ${issue.message}` : issue.message;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
