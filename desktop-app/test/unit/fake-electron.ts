/**
 * A small hand-written stand-in for the `electron` module, for unit tests of main and preload
 * (Electron's binary cannot run here). It records what the code under test asks Electron to
 * do, in order, and lets a test play Electron's part: emit events, answer dialogs, make the
 * app ready. Use with: vi.mock('electron', () => import('./fake-electron.js'))
 */
import { EventEmitter } from 'node:events';

/** Every call the code made into this fake, in order, e.g. 'app.enableSandbox'. */
export const calls: string[] = [];

export class FakeEvent {
  defaultPrevented = false;
  constructor(props: Record<string, unknown> = {}) {
    Object.assign(this, props);
  }
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

let nextRoutingId = 1;
export class FakeFrame {
  readonly routingId = nextRoutingId++;
  constructor(
    public url: string,
    public parent: FakeFrame | null = null,
    public processId = 1,
  ) {}
  get top(): FakeFrame {
    return this.parent ? this.parent.top : this;
  }
}

let nextWebContentsId = 1;
type WindowOpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' };
export class FakeWebContents extends EventEmitter {
  readonly id = nextWebContentsId++;
  readonly mainFrame = new FakeFrame('', null, 100 + this.id);
  windowOpenHandler: WindowOpenHandler | null = null;
  destroyed = false;
  reloads = 0;
  crashes = 0;
  setWindowOpenHandler(handler: WindowOpenHandler): void {
    calls.push('webContents.setWindowOpenHandler');
    this.windowOpenHandler = handler;
  }
  getURL(): string {
    return this.mainFrame.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  reload(): void {
    calls.push('webContents.reload');
    this.reloads += 1;
  }
  forcefullyCrashRenderer(): void {
    calls.push('webContents.forcefullyCrashRenderer');
    this.crashes += 1;
  }
  /** Plays a navigation event (`will-navigate`, `will-redirect`, ...); returns true when the app prevented it. */
  navigate(eventName: string, url: string): boolean {
    const event = new FakeEvent({ url, isMainFrame: true });
    this.emit(eventName, event, url);
    return event.defaultPrevented;
  }
}

export class BrowserWindow extends EventEmitter {
  static instances: BrowserWindow[] = [];
  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.instances.filter((w) => !w.destroyed);
  }
  readonly webContents = new FakeWebContents();
  readonly loadedUrls: string[] = [];
  destroyed = false;
  minimized = false;
  focused = 0;
  shown = false;
  title = '';
  constructor(readonly options: Record<string, unknown>) {
    super();
    calls.push('new BrowserWindow');
    BrowserWindow.instances.push(this);
    // Electron emits this while constructing the window's web contents.
    app.emit('web-contents-created', new FakeEvent(), this.webContents);
  }
  loadURL(url: string): Promise<void> {
    calls.push(`window.loadURL ${url}`);
    this.loadedUrls.push(url);
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  show(): void {
    this.shown = true;
  }
  setTitle(title: string): void {
    this.title = title;
  }
  getTitle(): string {
    return this.title;
  }
  focus(): void {
    this.focused += 1;
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

class FakeCommandLine {
  switches = new Set<string>();
  hasSwitch(name: string): boolean {
    return this.switches.has(name);
  }
}

class FakeApp extends EventEmitter {
  ready = false;
  commandLine = new FakeCommandLine();
  appUserModelId: string | null = null;
  singleInstanceLock = true;
  appPath = '/fake/app';
  paths: Record<string, string> = { userData: '/fake/userData', downloads: '/fake/downloads' };
  exitCode: number | null = null;
  #resolveReady: () => void = () => undefined;
  #readyPromise = new Promise<void>((resolve) => (this.#resolveReady = resolve));

  enableSandbox(): void {
    calls.push('app.enableSandbox');
    if (this.ready) throw new Error('app.enableSandbox() must be called before the app is ready');
  }
  requestSingleInstanceLock(): boolean {
    calls.push('app.requestSingleInstanceLock');
    return this.singleInstanceLock;
  }
  quit(): void {
    calls.push('app.quit');
  }
  setAppUserModelId(id: string): void {
    calls.push('app.setAppUserModelId');
    this.appUserModelId = id;
  }
  exit(code = 0): void {
    calls.push('app.exit');
    this.exitCode = code;
  }
  whenReady(): Promise<void> {
    return this.#readyPromise;
  }
  isReady(): boolean {
    return this.ready;
  }
  getAppPath(): string {
    return this.appPath;
  }
  getPath(name: string): string {
    const found = this.paths[name];
    if (!found) throw new Error(`fake app.getPath: no path for ${name}`);
    return found;
  }
  /** Test side: Electron finished starting. Resolves after the app's whenReady() callbacks ran. */
  async makeReady(): Promise<void> {
    calls.push('(app ready)');
    this.ready = true;
    this.emit('ready');
    this.#resolveReady();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  reset(): void {
    this.removeAllListeners();
    this.ready = false;
    this.singleInstanceLock = true;
    this.appPath = '/fake/app';
    this.paths = { userData: '/fake/userData', downloads: '/fake/downloads' };
    this.exitCode = null;
    this.commandLine = new FakeCommandLine();
    this.appUserModelId = null;
    this.#readyPromise = new Promise<void>((resolve) => (this.#resolveReady = resolve));
  }
}
export const app = new FakeApp();

type Handler = (...args: unknown[]) => unknown;
export const ipcMain = {
  handlers: new Map<string, Handler>(),
  handle(channel: string, handler: Handler): void {
    calls.push(`ipcMain.handle ${channel}`);
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  },
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  },
  /** Test side: a renderer invoking `channel`, as Electron would call the handler. */
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  },
};

export const ipcRenderer = {
  invocations: [] as { channel: string; args: unknown[] }[],
  reply: (_channel: string, _args: unknown[]): Promise<unknown> => Promise.resolve({ ok: true, value: null }),
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    calls.push(`ipcRenderer.invoke ${channel}`);
    this.invocations.push({ channel, args });
    return this.reply(channel, args);
  },
  send(channel: string): void {
    calls.push(`ipcRenderer.send ${channel}`);
  },
  on(channel: string): void {
    calls.push(`ipcRenderer.on ${channel}`);
  },
};

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown): void {
    calls.push(`contextBridge.exposeInMainWorld ${key}`);
    if (this.exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
    this.exposed.set(key, api);
  },
};

export const shell = {
  opened: [] as string[],
  openExternal(url: string): Promise<void> {
    calls.push('shell.openExternal');
    this.opened.push(url);
    return Promise.resolve();
  },
};

interface DialogCall {
  window: unknown;
  options: Record<string, unknown>;
}
export interface MessageBoxOptions {
  message: string;
  detail?: string;
  buttons?: string[];
  defaultId?: number;
  cancelId?: number;
  type?: string;
}
export const dialog = {
  openCalls: [] as DialogCall[],
  saveCalls: [] as DialogCall[],
  messageBoxes: [] as { window: unknown; options: MessageBoxOptions }[],
  errorBoxes: [] as { title: string; content: string }[],
  /** How the member answers the next message boxes (button index), in order; cancelId once they run out. */
  messageBoxAnswers: [] as number[],
  nextOpen: { canceled: true, filePaths: [] as string[] },
  nextSave: { canceled: true, filePath: '' } as { canceled: boolean; filePath?: string },
  showOpenDialog(a: unknown, b?: Record<string, unknown>): Promise<{ canceled: boolean; filePaths: string[] }> {
    calls.push('dialog.showOpenDialog');
    this.openCalls.push(b ? { window: a, options: b } : { window: null, options: a as Record<string, unknown> });
    return Promise.resolve(this.nextOpen);
  },
  showSaveDialog(a: unknown, b?: Record<string, unknown>): Promise<{ canceled: boolean; filePath?: string }> {
    calls.push('dialog.showSaveDialog');
    this.saveCalls.push(b ? { window: a, options: b } : { window: null, options: a as Record<string, unknown> });
    return Promise.resolve(this.nextSave);
  },
  showMessageBox(a: unknown, b?: MessageBoxOptions): Promise<{ response: number; checkboxChecked: boolean }> {
    calls.push('dialog.showMessageBox');
    const entry = b ? { window: a, options: b } : { window: null, options: a as MessageBoxOptions };
    this.messageBoxes.push(entry);
    const response = this.messageBoxAnswers.shift() ?? entry.options.cancelId ?? 0;
    return Promise.resolve({ response, checkboxChecked: false });
  },
  showErrorBox(title: string, content: string): void {
    calls.push('dialog.showErrorBox');
    this.errorBoxes.push({ title, content });
  },
};

export class FakeSession {
  permissionRequestHandler: Handler | null = null;
  permissionCheckHandler: Handler | null = null;
  devicePermissionHandler: Handler | null = null;
  displayMediaRequestHandler: Handler | null = null;
  displayMediaOptions: unknown = undefined;
  setPermissionRequestHandler(handler: Handler | null): void {
    calls.push('session.setPermissionRequestHandler');
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: Handler | null): void {
    calls.push('session.setPermissionCheckHandler');
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: Handler | null): void {
    calls.push('session.setDevicePermissionHandler');
    this.devicePermissionHandler = handler;
  }
  setDisplayMediaRequestHandler(handler: Handler | null, options?: unknown): void {
    calls.push('session.setDisplayMediaRequestHandler');
    this.displayMediaRequestHandler = handler;
    this.displayMediaOptions = options;
  }
}
export const session = { defaultSession: new FakeSession() };

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, Handler>(),
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    calls.push('protocol.registerSchemesAsPrivileged');
    if (app.ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    this.privileged.push(...schemes);
  },
  handle(scheme: string, handler: Handler): void {
    calls.push(`protocol.handle ${scheme}`);
    if (!app.ready) throw new Error('protocol.handle can only be used after the ready event');
    this.handlers.set(scheme, handler);
  },
};

export class Notification extends EventEmitter {
  static supported = true;
  static instances: Notification[] = [];
  static isSupported(): boolean {
    return Notification.supported;
  }
  shown = false;
  constructor(readonly options: { title: string; body: string }) {
    super();
    calls.push('new Notification');
    Notification.instances.push(this);
  }
  show(): void {
    this.shown = true;
  }
}

export interface FakeSource {
  id: string;
  name: string;
}
export const desktopCapturer = {
  sources: [] as FakeSource[],
  requests: [] as unknown[],
  fail: null as Error | null,
  getSources(options: unknown): Promise<{ id: string; name: string; thumbnail: { toDataURL(): string } }[]> {
    calls.push('desktopCapturer.getSources');
    this.requests.push(options);
    if (this.fail) return Promise.reject(this.fail);
    return Promise.resolve(
      this.sources.map((s) => ({ ...s, thumbnail: { toDataURL: () => `data:image/png;base64,${Buffer.from(s.id).toString('base64')}` } })),
    );
  },
};

/** Back to a fresh Electron: call in beforeEach. */
export function resetFakeElectron(): void {
  calls.length = 0;
  app.reset();
  BrowserWindow.instances = [];
  ipcMain.handlers.clear();
  ipcRenderer.invocations = [];
  ipcRenderer.reply = () => Promise.resolve({ ok: true, value: null });
  contextBridge.exposed.clear();
  shell.opened = [];
  dialog.openCalls = [];
  dialog.saveCalls = [];
  dialog.nextOpen = { canceled: true, filePaths: [] };
  dialog.nextSave = { canceled: true, filePath: '' };
  dialog.messageBoxes = [];
  dialog.errorBoxes = [];
  dialog.messageBoxAnswers = [];
  session.defaultSession = new FakeSession();
  protocol.privileged = [];
  protocol.handlers.clear();
  Notification.supported = true;
  Notification.instances = [];
  desktopCapturer.sources = [];
  desktopCapturer.requests = [];
  desktopCapturer.fail = null;
}
