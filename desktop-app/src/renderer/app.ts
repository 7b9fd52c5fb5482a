/**
 * The app controller: owns the UI state, renders views, and turns clicks and keys into
 * requests to the core worker. It never sees a key.
 */
import { CircleError, ErrorCode } from '@circle/protocol';
import { DEFAULT_SETTINGS } from '../shared/settings.js';
import type { MessageView } from '../shared/worker-api.js';
import { CallController } from './calls/call-controller.js';
import { runIceSelfTest } from './calls/ice-self-test.js';
import { CoreProxy } from './core-proxy.js';
import { clear, h } from './dom.js';
import { canPreview, decodePreview } from './previews.js';
import { stripImageMetadata } from './images.js';
import { pickFile, platform } from './platform.js';
import type { UiState } from './state.js';
import { conversationView, type ConversationHandlers } from './views/conversation.js';
import { CallPanel } from './views/call-panel.js';
import {
  announce,
  confirmDialog,
  devicesDialog,
  jumpDialog,
  newGroupDialog,
  safetyNumberDialog,
  settingsDialog,
  toast,
} from './views/dialogs.js';
import { sidebarView } from './views/sidebar.js';
import { welcomeView } from './views/welcome.js';

const IDENTITY_ERRORS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.IdentityNotCircle]: 'This is not a Circle identity file. Look for the file your operator gave you (identity-NN.bin).',
  [ErrorCode.IdentityTruncated]: 'This identity file is incomplete (it was cut short while copying). Ask your operator for a fresh copy.',
  [ErrorCode.IdentityCorrupted]: 'This identity file is damaged. Ask your operator for a fresh copy.',
  [ErrorCode.IdentityTampered]: 'This identity file has been altered since the operator made it. Do not use it; tell your operator.',
  [ErrorCode.IdentityVersion]: 'This identity file was made for a different version of Circle. Update the app or ask your operator.',
  [ErrorCode.IdentityMalformed]: 'This identity file is not valid. Ask your operator for a fresh copy.',
  [ErrorCode.WrongPassphrase]: 'Wrong passphrase. Try again; it is case-sensitive.',
};

export class App {
  private readonly core = new CoreProxy();
  private readonly state: UiState = {
    members: [],
    conversations: [],
    connection: { state: 'connecting' },
    typing: new Map(),
    progress: new Map(),
    previews: new Map(),
    settings: DEFAULT_SETTINGS,
  };
  private pendingFile?: { name: string; bytes: Uint8Array };
  private renderQueued = false;
  /** The message whose text the composer was loaded with for editing, so a redraw keeps what was typed since. */
  private composerEditing?: string;
  private readonly calls = new CallController(
    this.core,
    () => this.state.info?.me.id ?? '',
    () => this.state.settings,
    () => this.state.conversations,
    () => {
      this.callPanel.render();
      this.render();
    },
  );
  private readonly callPanel = new CallPanel(
    this.calls,
    () => this.state.members,
    (key) => this.state.conversations.find((c) => c.key === key)?.title ?? 'Call',
    { shareScreen: () => void this.shareScreen(), pickDevices: () => void this.pickDevices() },
  );

  constructor(private readonly root: HTMLElement) {
    // Read-only call facts for diagnostics and the end-to-end tests; no keys, no content.
    (window as unknown as Record<string, unknown>).circleCallDiagnostics = {
      stats: () => this.calls.active?.stats() ?? Promise.resolve([]),
      roomId: () => this.calls.active?.roomId,
      restartIce: () => this.calls.active?.restartIce(),
    };
  }

  async start(): Promise<void> {
    const s = await platform.invoke('settings:get');
    if (s.ok) this.state.settings = s.value;
    this.core.on('state', (c) => ((this.state.connection = c), this.render()));
    this.core.on('members', (m) => ((this.state.members = m), this.render()));
    this.core.on('conversations', (c) => this.onConversations(c));
    this.core.on('typing', (t) => {
      this.state.typing.set(t.key, { name: t.name, until: Date.now() + 4000 });
      this.render();
      setTimeout(() => this.render(), 4100);
    });
    this.core.on('progress', (p) => {
      this.state.progress.set(p.messageId, p);
      if (p.done >= p.total) setTimeout(() => (this.state.progress.delete(p.messageId), this.render()), 500);
      this.render();
    });
    this.core.on('incoming', (n) => {
      announce(`${n.fromName}: ${n.text.slice(0, 200)}`);
      this.notify(n.key, n.fromName, n.text);
    });
    document.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k' && this.state.info) {
        e.preventDefault();
        jumpDialog(this.state.members, this.state.conversations, (kind, id) =>
          kind === 'member' ? void this.openMember(id) : this.openConversation(id),
        );
      }
    });
    window.addEventListener('focus', () => this.markActiveRead());
    this.showWelcome({});
  }

  // ---- identity -------------------------------------------------------------------------

  private showWelcome(opts: { error?: string; busy?: string; askPassphrase?: string }): void {
    const lastIdentity =
      platform.kind === 'electron' && this.state.settings.lastIdentityPath
        ? this.state.settings.lastIdentityPath.split(/[\\/]/).pop()
        : undefined;
    this.root.replaceChildren(
      welcomeView(
        { ...opts, lastIdentity },
        {
          onOpen: () => void this.pickIdentity('identity:open'),
          onOpenLast: () => void this.pickIdentity('identity:open-last'),
          onDrop: (file) => void file.arrayBuffer().then((b) => this.loadIdentity({ name: file.name, bytes: new Uint8Array(b) })),
          onPassphrase: (p) => void this.unlock(p),
          onCancelPassphrase: () => ((this.pendingFile = undefined), this.showWelcome({})),
        },
      ),
    );
  }

  private async pickIdentity(channel: 'identity:open' | 'identity:open-last'): Promise<void> {
    const r = await platform.invoke(channel);
    if (!r.ok) return this.showWelcome({ error: r.error.message });
    if (r.value) await this.loadIdentity(r.value);
    else if (channel === 'identity:open-last')
      this.showWelcome({ error: 'Your last identity file was moved, changed or removed. Open it again.' });
  }

  private async loadIdentity(file: { name: string; bytes: Uint8Array }): Promise<void> {
    if (file.bytes.length > 64 * 1024) return this.showWelcome({ error: IDENTITY_ERRORS[ErrorCode.IdentityNotCircle] });
    try {
      const { sealed } = await this.core.call('peek', { file: file.bytes });
      this.pendingFile = file;
      if (sealed) return this.showWelcome({ askPassphrase: file.name });
      await this.unlock(undefined);
    } catch (err) {
      this.showWelcome({ error: this.describe(err) });
    }
  }

  private async unlock(passphrase: string | undefined): Promise<void> {
    const file = this.pendingFile;
    if (!file) return;
    this.showWelcome({ busy: 'Unlocking…', askPassphrase: passphrase !== undefined ? file.name : undefined });
    try {
      this.state.info = await this.core.call('open', {
        file: file.bytes.slice(),
        passphrase,
      });
      this.pendingFile = undefined;
      file.bytes.fill(0); // the worker has its own copy; an unsealed file holds keys in clear
      this.state.members = this.state.info.members;
      this.render();
    } catch (err) {
      this.showWelcome({
        error: this.describe(err),
        askPassphrase: err instanceof CircleError && err.code === ErrorCode.WrongPassphrase ? file.name : undefined,
      });
    }
  }

  private describe(err: unknown): string {
    if (err instanceof CircleError) return IDENTITY_ERRORS[err.code] ?? err.message;
    if (err instanceof DOMException && err.name === 'NotAllowedError') return 'Circle was not allowed to use the microphone or camera.';
    return 'Something went wrong. Please try again.';
  }

  // ---- rendering -----------------------------------------------------------------------

  private onConversations(c: UiState['conversations']): void {
    this.state.conversations = c;
    for (const conv of c)
      for (const m of conv.messages)
        if (m.file && canPreview(m.file) && !m.fromMe && !this.state.previews.has(m.id)) void this.loadPreview(m);
    if (document.hasFocus()) this.markActiveRead();
    this.render();
  }

  private render(): void {
    if (!this.state.info || this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.draw();
    });
  }

  private draw(): void {
    const oldList = this.root.querySelector('.messages');
    const atBottom = !oldList || oldList.scrollHeight - oldList.scrollTop - oldList.clientHeight < 40;
    const oldScroll = oldList?.scrollTop ?? 0;
    const composer = this.root.querySelector<HTMLTextAreaElement>('#composer');
    const draft = composer?.value ?? '';
    const hadFocus = document.activeElement === composer;
    const shell = h('div', { class: 'shell' });
    shell.append(
      sidebarView(this.state, {
        openConversation: (k) => this.openConversation(k),
        openMember: (id) => void this.openMember(id),
        newGroup: () =>
          newGroupDialog(
            this.state.members,
            (name, ids) =>
              void this.core.call('createGroup', { name, memberIds: ids }).then(
                ({ key }) => this.openConversation(key),
                (e: unknown) => toast(this.describe(e)),
              ),
          ),
        jump: () =>
          jumpDialog(this.state.members, this.state.conversations, (kind, id) =>
            kind === 'member' ? void this.openMember(id) : this.openConversation(id),
          ),
        settings: () =>
          settingsDialog(
            this.state.settings,
            this.state.info!.relayUrl,
            (patch) => void this.updateSettings(patch),
            () => runIceSelfTest(this.core).then((r) => r.message),
          ),
      }),
    );
    const conv = this.state.conversations.find((c) => c.key === this.state.activeKey);
    const joinable = conv && !this.calls.active ? [...this.calls.rings.values()].find((r) => r.conversationKey === conv.key) : undefined;
    if (conv)
      shell.append(
        conversationView(
          this.state,
          conv,
          this.conversationHandlers(),
          joinable ? () => void this.calls.accept(joinable.roomId).catch((e: unknown) => toast(this.describe(e))) : undefined,
        ),
      );
    else
      shell.append(
        h(
          'section',
          { class: 'conversation empty' },
          h(
            'div',
            { class: 'empty-state' },
            h('h1', {}, `Welcome, ${this.state.info!.me.name}`),
            h('p', {}, 'Pick a member on the left to start a private conversation, or create a group.'),
            h(
              'p',
              { class: 'hint' },
              `Your circle has ${this.state.members.length} members. Everything you send is end-to-end encrypted; the relay only ever sees sealed 64 KB blobs.`,
            ),
          ),
        ),
      );
    clear(this.root);
    this.root.append(shell);
    const list = this.root.querySelector('.messages');
    if (list) list.scrollTop = atBottom ? list.scrollHeight : oldScroll;
    const input = this.root.querySelector<HTMLTextAreaElement>('#composer');
    if (input) {
      const editing = this.state.editing?.id;
      // A new edit starts from the message's text (set by the view); any other redraw keeps the
      // draft, typed edits included. Leaving an edit clears the composer of the message's text.
      if (editing === undefined && this.composerEditing !== undefined) input.value = '';
      else if (editing === undefined || editing === this.composerEditing) input.value = draft;
      this.composerEditing = editing;
    }
    if (input && (hadFocus || this.state.editing || this.state.replyTo)) input.focus();
  }

  // ---- actions -------------------------------------------------------------------------

  private openConversation(key: string): void {
    this.state.activeKey = key;
    this.state.replyTo = this.state.editing = undefined;
    this.markActiveRead();
    this.render();
    setTimeout(() => this.root.querySelector<HTMLTextAreaElement>('#composer')?.focus(), 50);
  }

  private async openMember(id: string): Promise<void> {
    const { key } = await this.core.call('openDirect', { memberId: id });
    this.state.activeKey = key;
    if (!this.state.conversations.some((c) => c.key === key)) {
      const m = this.state.members.find((x) => x.id === id)!;
      this.state.conversations = [
        ...this.state.conversations,
        {
          key,
          kind: 'direct',
          title: m.name,
          memberIds: [this.state.info!.me.id, id],
          peerId: id,
          messages: [],
          unread: 0,
          lastActivity: 0,
        },
      ];
    }
    this.openConversation(key);
  }

  private markActiveRead(): void {
    const key = this.state.activeKey;
    const conv = this.state.conversations.find((c) => c.key === key);
    if (key && conv && conv.unread > 0 && document.visibilityState === 'visible')
      void this.core.call('markRead', { key }).catch(() => undefined);
  }

  private conversationHandlers(): ConversationHandlers {
    const key = this.state.activeKey!;
    const run = (p: Promise<unknown>) => void p.catch((e: unknown) => toast(this.describe(e)));
    return {
      send: (text) => {
        if (this.state.editing) run(this.core.call('edit', { messageId: this.state.editing.id, text }));
        else run(this.core.call('sendText', { key, text, replyTo: this.state.replyTo?.id }));
        this.state.replyTo = this.state.editing = undefined;
        this.render();
      },
      attach: () => void pickFile().then((f) => f && this.sendFiles([f])),
      dropFiles: (files) => void this.sendFiles(files),
      typing: () => run(this.core.call('typing', { key })),
      cancelCompose: () => ((this.state.replyTo = this.state.editing = undefined), this.render()),
      safetyNumber: (id) => {
        const m = this.state.members.find((x) => x.id === id)!;
        safetyNumberDialog(m, this.state.settings.verified[id] === m.safetyNumber, (v) => {
          const verified = { ...this.state.settings.verified };
          if (v) verified[id] = m.safetyNumber;
          else delete verified[id];
          void this.updateSettings({ verified });
        });
      },
      call: (media) => this.startCall(media),
      reply: (m) => ((this.state.replyTo = m), (this.state.editing = undefined), this.render()),
      react: (m, emoji) => run(this.core.call('react', { messageId: m.id, emoji })),
      edit: (m) => ((this.state.editing = m), (this.state.replyTo = undefined), this.render()),
      unsend: (m) =>
        confirmDialog(
          'Unsend message?',
          'It is deleted from the relay and removed from everyone’s view. Someone may already have read it.',
          'Unsend',
          () => run(this.core.call('unsend', { messageId: m.id })),
        ),
      retry: (m) => run(this.core.call('retry', { messageId: m.id })),
      cancel: (m) => run(this.core.call('cancelSend', { messageId: m.id })),
      save: (m) => void this.saveFile(m),
      openLink: (href) => void platform.invoke('external:open', href).then((r) => !r.ok && toast(r.error.message)),
    };
  }

  private startCall(media: 'audio' | 'video'): void {
    const key = this.state.activeKey;
    if (!key) return;
    this.calls
      .start(key, media)
      .catch((e: unknown) => toast(e instanceof Error ? `Could not start the call: ${this.describe(e)}` : 'Could not start the call'));
  }

  private async shareScreen(): Promise<void> {
    const call = this.calls.active;
    if (!call) return;
    try {
      // Straight from the click: in Electron, main then asks the member which screen or window to share.
      await call.shareScreen();
    } catch {
      toast('Screen sharing was not started.');
    }
  }

  private async pickDevices(): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    devicesDialog(devices, this.state.settings.calls, (calls) => {
      void this.updateSettings({ calls });
      if (calls.speakerId)
        for (const v of document.querySelectorAll('video'))
          void (v as HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> }).setSinkId?.(calls.speakerId).catch(() => undefined);
    });
  }

  private async sendFiles(files: File[]): Promise<void> {
    const key = this.state.activeKey;
    if (!key) return;
    for (const f of files) {
      if (f.size > 64 * 1024 * 1024) {
        toast(`${f.name} is larger than the 64 MB limit.`);
        continue;
      }
      let bytes: Uint8Array = new Uint8Array(await f.arrayBuffer());
      const mime = f.type || 'application/octet-stream';
      try {
        bytes = (await stripImageMetadata(bytes, mime)).bytes;
      } catch {
        // not decodable as an image: send as is
      }
      await this.core
        .call('sendFile', { key, name: f.name, mime, bytes }, [bytes.buffer as ArrayBuffer])
        .catch((e: unknown) => toast(this.describe(e)));
    }
  }

  private async saveFile(m: MessageView): Promise<void> {
    try {
      const file = await this.core.call('download', { messageId: m.id });
      const r = await platform.invoke('file:save', { suggestedName: file.name, bytes: file.bytes as Uint8Array<ArrayBuffer> });
      if (!r.ok) toast(r.error.message);
    } catch (err) {
      toast(this.describe(err));
    }
  }

  private async loadPreview(m: MessageView): Promise<void> {
    this.state.previews.set(m.id, 'loading');
    try {
      const file = await this.core.call('download', { messageId: m.id });
      this.state.previews.set(m.id, await decodePreview(file.bytes, m.file!.mime));
      this.render();
    } catch {
      this.state.previews.set(m.id, 'none'); // a failed preview is not fetched again; Save… still offers the file
    }
  }

  private async updateSettings(patch: Parameters<typeof platform.invoke<'settings:update'>>[1]): Promise<void> {
    const r = await platform.invoke('settings:update', patch);
    if (r.ok) this.state.settings = r.value;
    else toast(r.error.message);
    this.render();
  }

  private notify(key: string, fromName: string, text: string): void {
    if (document.hasFocus() && this.state.activeKey === key) return;
    if (!this.state.settings.notifications.enabled) return;
    void platform.invoke('notify', {
      title: `Circle — ${fromName}`,
      body: this.state.settings.notifications.showContent ? text.slice(0, 200) : 'New message',
    });
  }
}
