/** The open conversation: header, connection banner, messages, typing line and composer. */
import { ErrorCode } from '@circle/protocol';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import type { UiState } from '../state.js';
import type { ConversationView } from '../../shared/worker-api.js';
import { messageView, type MessageHandlers } from './message.js';
import { avatar } from './sidebar.js';

export interface ConversationHandlers extends MessageHandlers {
  send(text: string): void;
  attach(): void;
  dropFiles(files: File[]): void;
  typing(): void;
  cancelCompose(): void;
  safetyNumber(memberId: string): void;
  call(media: 'audio' | 'video'): void;
}

const BANNERS: Partial<Record<UiState['connection']['state'], string>> = {
  offline: 'You are offline. Messages you send wait here and go out when the connection is back.',
  unreachable: 'The relay cannot be reached. Circle keeps retrying; check your network.',
  revoked: 'Your identity has been revoked by the operator. You can no longer send or receive. Talk to your operator.',
  rejected: 'The relay refused this identity. Ask your operator whether you are on the allowlist.',
};

export function conversationView(state: UiState, conv: ConversationView, on: ConversationHandlers, joinCall?: () => void): HTMLElement {
  const peer = conv.peerId ? state.members.find((m) => m.id === conv.peerId) : undefined;
  const names = conv.memberIds.map((id) => state.members.find((m) => m.id === id)?.name).filter(Boolean);
  const subtitle = peer ? (peer.online ? 'online' : 'offline') : `${names.length} members: ${names.join(', ')}`;
  const verified = peer ? state.settings.verified[peer.id] === peer.safetyNumber : false;
  const blocked = state.connection.state === 'revoked' || state.connection.state === 'rejected';

  const header = h(
    'header',
    { class: 'conv-header' },
    avatar(conv.title, peer?.online),
    h(
      'div',
      { class: 'conv-header-text' },
      h('h1', {}, conv.kind === 'group' ? `# ${conv.title}` : conv.title),
      h('span', { class: 'subtitle' }, subtitle),
    ),
    h(
      'div',
      { class: 'header-actions' },
      joinCall ? h('button', { class: 'small join-call', onclick: () => joinCall() }, 'Join call') : '',
      h(
        'button',
        { class: 'icon', title: 'Voice call', 'aria-label': 'Voice call', disabled: blocked, onclick: () => on.call('audio') },
        icon('phone'),
      ),
      h(
        'button',
        { class: 'icon', title: 'Video call', 'aria-label': 'Video call', disabled: blocked, onclick: () => on.call('video') },
        icon('video'),
      ),
      peer
        ? h(
            'button',
            { class: `small${verified ? ' verified-btn' : ''}`, onclick: () => on.safetyNumber(peer.id) },
            verified ? '✔ Verified' : 'Verify safety number',
          )
        : '',
    ),
  );

  const list = h('ol', { class: 'messages', 'aria-label': 'Messages' });
  let previousFrom = '';
  for (const m of conv.messages) {
    list.append(
      messageView(
        m,
        {
          showAuthor: conv.kind === 'group' && m.fromId !== previousFrom,
          preview: state.previews.get(m.id),
          progress: state.progress.get(m.id),
          isGroup: conv.kind === 'group',
        },
        on,
      ),
    );
    previousFrom = m.fromId;
  }
  if (conv.messages.length === 0)
    list.append(
      h(
        'li',
        { class: 'empty-conv' },
        conv.kind === 'group'
          ? 'Say hello to the group.'
          : `This is the start of your conversation with ${conv.title}. Messages are end-to-end encrypted.`,
      ),
    );

  const typing = state.typing.get(conv.key);
  const typingLine = h(
    'div',
    { class: 'typing', 'aria-live': 'polite' },
    typing && typing.until > Date.now() ? `${typing.name} is typing…` : '',
  );

  const input = h('textarea', {
    id: 'composer',
    rows: 1,
    placeholder: blocked ? 'You cannot send from a revoked identity' : 'Write a message',
    'aria-label': 'Message',
    disabled: blocked,
  });
  if (state.editing) input.value = state.editing.text ?? '';
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (input.value.trim()) {
        on.send(input.value);
        input.value = '';
      }
    } else if (e.key === 'Escape') on.cancelCompose();
  });
  input.addEventListener('input', () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
    on.typing();
  });
  const context = state.editing ?? state.replyTo;
  const composer = h(
    'footer',
    { class: 'composer' },
    context
      ? h(
          'div',
          { class: 'compose-context' },
          h(
            'span',
            {},
            state.editing
              ? 'Editing your message'
              : `Replying to ${context.fromName}: ${(context.text ?? context.file?.name ?? '').slice(0, 80)}`,
          ),
          h('button', { class: 'link', onclick: () => on.cancelCompose() }, 'Cancel'),
        )
      : '',
    h(
      'div',
      { class: 'compose-row' },
      h(
        'button',
        {
          class: 'icon',
          title: 'Attach a file (up to 64 MB)',
          'aria-label': 'Attach a file',
          disabled: blocked,
          onclick: () => on.attach(),
        },
        icon('attach'),
      ),
      input,
      h(
        'button',
        {
          class: 'primary send',
          disabled: blocked,
          onclick: () => {
            if (input.value.trim()) {
              on.send(input.value);
              input.value = '';
            }
          },
        },
        'Send',
      ),
    ),
    h(
      'p',
      { class: 'fine-print' },
      'End-to-end encrypted. The relay keeps messages 3–4 days for members who are offline, then deletes them. Enter sends, Shift+Enter adds a line.',
    ),
  );
  const pane = h('section', { class: 'conversation', 'aria-label': `Conversation: ${conv.title}` }, header);
  const banner =
    state.connection.state === 'rejected' && state.connection.error?.code === ErrorCode.BadSignature
      ? `The relay refused your login: ${state.connection.error.message}.`
      : BANNERS[state.connection.state];
  if (banner) pane.append(h('div', { class: `banner banner-${state.connection.state}`, role: 'status' }, banner));
  pane.append(list, typingLine, composer);
  pane.addEventListener('dragover', (e) => e.preventDefault());
  pane.addEventListener('drop', (e) => {
    e.preventDefault();
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) on.dropFiles(files);
  });
  return pane;
}
