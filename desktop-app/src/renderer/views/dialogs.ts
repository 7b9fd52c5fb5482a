/** Modal dialogs: new group, safety number, settings, jump-to (Ctrl+K), confirmation. */
import { h } from '../dom.js';
import type { Settings } from '../../shared/settings.js';
import type { ConversationView, MemberView } from '../../shared/worker-api.js';

function modal(title: string, ...content: (Node | string)[]): HTMLDialogElement {
  const dialog = h('dialog', { class: 'modal', 'aria-label': title }, h('h2', {}, title), ...content);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

export function newGroupDialog(members: MemberView[], onCreate: (name: string, ids: string[]) => void): void {
  const name = h('input', { id: 'group-name', placeholder: 'Group name, e.g. Family', maxlength: 64, 'aria-label': 'Group name' });
  const boxes = members
    .filter((m) => !m.isMe)
    .map((m) => ({ m, box: h('input', { type: 'checkbox', value: m.id, 'aria-label': m.name }) }));
  const error = h('p', { class: 'error' });
  const dialog = modal(
    'New group',
    name,
    h('fieldset', { class: 'pick-members' }, h('legend', {}, 'Members'), ...boxes.map(({ m, box }) => h('label', {}, box, ` ${m.name}`))),
    error,
    h(
      'div',
      { class: 'row end' },
      h('button', { onclick: () => dialog.close() }, 'Cancel'),
      h(
        'button',
        {
          class: 'primary',
          onclick: () => {
            const ids = boxes.filter((b) => b.box.checked).map((b) => b.m.id);
            if (!name.value.trim()) error.textContent = 'Give the group a name.';
            else if (ids.length === 0) error.textContent = 'Pick at least one member.';
            else {
              dialog.close();
              onCreate(name.value.trim(), ids);
            }
          },
        },
        'Create group',
      ),
    ),
  );
  name.focus();
}

export function safetyNumberDialog(member: MemberView, verified: boolean, onVerify: (verified: boolean) => void): void {
  const groups = member.safetyNumber.split(' ');
  const box = h('input', { type: 'checkbox', id: 'verified', checked: verified });
  const dialog = modal(
    `Safety number with ${member.name}`,
    h(
      'p',
      {},
      `Compare these numbers with ${member.name}, in person or on a call you trust. If they match on both screens, nobody can read or change what you send each other.`,
    ),
    h('div', { class: 'safety-number', 'data-testid': 'safety-number' }, ...groups.map((g) => h('span', {}, g))),
    h('label', { class: 'check' }, box, ' I compared them in person: mark as verified'),
    h(
      'div',
      { class: 'row end' },
      h(
        'button',
        {
          class: 'primary',
          onclick: () => {
            onVerify(box.checked);
            dialog.close();
          },
        },
        'Done',
      ),
    ),
  );
}

export function settingsDialog(
  settings: Settings,
  relayUrl: string,
  onSave: (patch: { notifications: Settings['notifications']; calls: Partial<Settings['calls']> }) => void,
  iceSelfTest: () => Promise<string>,
): void {
  const iceResult = h('p', { class: 'hint', 'data-testid': 'ice-result', 'aria-live': 'polite' });
  const iceButton = h(
    'button',
    {
      class: 'small',
      onclick: () => {
        iceButton.disabled = true;
        iceResult.textContent = 'Testing…';
        void iceSelfTest().then((text) => ((iceResult.textContent = text), (iceButton.disabled = false)));
      },
    },
    'Test calls (ICE self-test)',
  );
  const notify = h('input', { type: 'checkbox', checked: settings.notifications.enabled });
  const content = h('input', { type: 'checkbox', checked: settings.notifications.showContent });
  const relayOnly = h('input', { type: 'checkbox', checked: settings.calls.relayOnly });
  const dialog = modal(
    'Settings',
    h('p', { class: 'hint', 'data-testid': 'relay-url' }, `Relay: ${relayUrl} (set in your identity file by your circle’s operator)`),
    h('h3', {}, 'Notifications'),
    h('label', { class: 'check' }, notify, ' Notify me of new messages when Circle is in the background'),
    h('label', { class: 'check' }, content, ' Show the message text in notifications'),
    h('h3', {}, 'Calls'),
    h('label', { class: 'check' }, relayOnly, ' Relay-only calls: members never learn each other’s IP address (recommended)'),
    iceButton,
    iceResult,
    h(
      'div',
      { class: 'row end' },
      h('button', { onclick: () => dialog.close() }, 'Cancel'),
      h(
        'button',
        {
          class: 'primary',
          onclick: () => {
            onSave({
              notifications: { enabled: notify.checked, showContent: content.checked },
              calls: { relayOnly: relayOnly.checked },
            });
            dialog.close();
          },
        },
        'Save',
      ),
    ),
  );
}

export function jumpDialog(
  members: MemberView[],
  conversations: ConversationView[],
  onPick: (kind: 'member' | 'conversation', id: string) => void,
): void {
  const items = [
    ...conversations.map((c) => ({ kind: 'conversation' as const, id: c.key, label: c.kind === 'group' ? `# ${c.title}` : c.title })),
    ...members
      .filter((m) => !m.isMe && !conversations.some((c) => c.peerId === m.id))
      .map((m) => ({ kind: 'member' as const, id: m.id, label: m.name })),
  ];
  const input = h('input', { id: 'jump-input', placeholder: 'Type a name…', 'aria-label': 'Jump to conversation', autocomplete: 'off' });
  const list = h('ul', { class: 'jump-list', role: 'listbox' });
  let selected = 0;
  const matches = () => items.filter((i) => i.label.toLowerCase().includes(input.value.trim().toLowerCase()));
  const render = () => {
    list.replaceChildren(
      ...matches().map((i, n) =>
        h(
          'li',
          { role: 'option', 'aria-selected': String(n === selected), class: n === selected ? 'selected' : '', onclick: () => pick(i) },
          i.label,
        ),
      ),
    );
  };
  const pick = (i: (typeof items)[number]) => {
    dialog.close();
    onPick(i.kind, i.id);
  };
  input.addEventListener('input', () => {
    selected = 0;
    render();
  });
  input.addEventListener('keydown', (e) => {
    const m = matches();
    if (e.key === 'ArrowDown') selected = Math.min(selected + 1, m.length - 1);
    else if (e.key === 'ArrowUp') selected = Math.max(selected - 1, 0);
    else if (e.key === 'Enter') {
      const choice = m[selected];
      if (choice) pick(choice);
      return;
    } else return;
    e.preventDefault();
    render();
  });
  const dialog = modal('Jump to', input, list);
  render();
  input.focus();
}

export function confirmDialog(title: string, text: string, action: string, onConfirm: () => void): void {
  const dialog = modal(
    title,
    h('p', {}, text),
    h(
      'div',
      { class: 'row end' },
      h('button', { onclick: () => dialog.close() }, 'Cancel'),
      h(
        'button',
        {
          class: 'danger',
          onclick: () => {
            dialog.close();
            onConfirm();
          },
        },
        action,
      ),
    ),
  );
}

/** Tells screen readers about one new thing (a message that arrived); the app itself is not a live region. */
export function announce(text: string): void {
  const region = document.getElementById('announcer');
  if (region) region.textContent = text;
}

export function toast(text: string): void {
  const t = h('div', { class: 'toast', role: 'status' }, text);
  document.body.append(t);
  setTimeout(() => t.remove(), 4000);
}

export function devicesDialog(
  devices: MediaDeviceInfo[],
  current: Settings['calls'],
  onSave: (calls: Partial<Settings['calls']>) => void,
): void {
  const select = (kind: MediaDeviceKind, value: string | undefined, label: string) => {
    const el = h(
      'select',
      { 'aria-label': label },
      h('option', { value: '' }, 'System default'),
      ...devices
        .filter((d) => d.kind === kind)
        .map((d, i) => h('option', { value: d.deviceId, selected: d.deviceId === value }, d.label || `${label} ${i + 1}`)),
    );
    return el;
  };
  const mic = select('audioinput', current.microphoneId, 'Microphone');
  const cam = select('videoinput', current.cameraId, 'Camera');
  const spk = select('audiooutput', current.speakerId, 'Speaker');
  const dialog = modal(
    'Devices',
    h('label', {}, 'Microphone'),
    mic,
    h('label', {}, 'Camera'),
    cam,
    h('label', {}, 'Speaker'),
    spk,
    h('p', { class: 'hint' }, 'The speaker changes at once; microphone and camera apply from the next call.'),
    h(
      'div',
      { class: 'row end' },
      h('button', { onclick: () => dialog.close() }, 'Cancel'),
      h(
        'button',
        {
          class: 'primary',
          onclick: () => {
            onSave({ microphoneId: mic.value || undefined, cameraId: cam.value || undefined, speakerId: spk.value || undefined });
            dialog.close();
          },
        },
        'Save',
      ),
    ),
  );
}
