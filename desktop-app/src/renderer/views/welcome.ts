/** First screen: open the identity file (dialog, file picker or drop), then a passphrase if sealed. */
import { h } from '../dom.js';
import { icon } from '../icons.js';

export interface WelcomeHandlers {
  onOpen(): void;
  onOpenLast?: () => void;
  onDrop(file: File): void;
  onPassphrase(passphrase: string): void;
  onCancelPassphrase(): void;
}

export function welcomeView(
  opts: { error?: string; busy?: string; askPassphrase?: string; lastIdentity?: string },
  on: WelcomeHandlers,
): HTMLElement {
  const card = h('div', { class: 'welcome-card' });
  card.append(
    h('div', { class: 'brand' }, h('div', { class: 'logo', 'aria-hidden': 'true' }, '◯'), h('h1', {}, 'Circle')),
    h('p', { class: 'tagline' }, 'Private messages, files and calls for the people in your circle.'),
  );
  if (opts.askPassphrase) {
    const input = h('input', {
      type: 'password',
      id: 'passphrase',
      autocomplete: 'off',
      placeholder: 'Passphrase',
      'aria-label': 'Passphrase',
    });
    const form = h(
      'form',
      {
        class: 'passphrase-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          if (input.value) on.onPassphrase(input.value);
        },
      },
      h('label', { for: 'passphrase' }, `${opts.askPassphrase} is protected by a passphrase.`),
      input,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', disabled: Boolean(opts.busy) }, opts.busy ?? 'Unlock'),
        h('button', { type: 'button', onclick: () => on.onCancelPassphrase() }, 'Choose another file'),
      ),
    );
    card.append(form);
    queueMicrotask(() => input.focus());
  } else {
    const drop = h(
      'div',
      {
        class: 'dropzone',
        tabindex: 0,
        role: 'button',
        'aria-label': 'Open your identity file',
        onclick: () => on.onOpen(),
        onkeydown: (e: Event) => (e as KeyboardEvent).key === 'Enter' && on.onOpen(),
      },
      h('div', { class: 'dropzone-icon' }, icon('key', 28)),
      h('strong', {}, opts.busy ?? 'Open your identity file'),
      h('span', {}, 'or drop it here'),
    );
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const file = e.dataTransfer?.files[0];
      if (file) on.onDrop(file);
    });
    card.append(drop);
    if (opts.lastIdentity && on.onOpenLast)
      card.append(h('button', { class: 'link', onclick: () => on.onOpenLast?.() }, `Open ${opts.lastIdentity} again`));
    card.append(
      h(
        'p',
        { class: 'hint' },
        'Your circle’s operator handed you a file named like ',
        h('code', {}, 'identity-07.bin'),
        '. It holds your keys. It stays on this device: Circle never uploads it.',
      ),
    );
  }
  if (opts.error) card.append(h('p', { class: 'error', role: 'alert' }, opts.error));
  return h('main', { class: 'welcome' }, card);
}
