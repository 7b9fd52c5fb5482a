/** Left column: me and the connection, conversations, members with presence. */
import { formatTime, h, initials } from '../dom.js';
import { icon } from '../icons.js';
import { CONNECTION_TEXT, type UiState } from '../state.js';

export interface SidebarHandlers {
  openConversation(key: string): void;
  openMember(memberId: string): void;
  newGroup(): void;
  jump(): void;
  settings(): void;
}

export function avatar(name: string, online?: boolean): HTMLElement {
  return h(
    'span',
    { class: `avatar${online === undefined ? '' : online ? ' online' : ' offline'}`, 'aria-hidden': 'true' },
    initials(name),
  );
}

export function sidebarView(state: UiState, on: SidebarHandlers): HTMLElement {
  const me = state.info!.me;
  const conn = state.connection.state;
  const convs = state.conversations;
  return h(
    'nav',
    { class: 'sidebar', 'aria-label': 'Conversations and members' },
    h(
      'header',
      { class: 'me' },
      avatar(me.name),
      h(
        'div',
        { class: 'me-text' },
        h('strong', {}, me.name),
        h('span', { class: `conn conn-${conn}`, 'data-testid': 'connection' }, CONNECTION_TEXT[conn]),
      ),
      h('button', { class: 'icon', title: 'Settings', 'aria-label': 'Settings', onclick: () => on.settings() }, icon('settings')),
    ),
    h('button', { class: 'jump', onclick: () => on.jump() }, h('span', {}, 'Jump to…'), h('kbd', {}, 'Ctrl K')),
    h('h2', {}, 'Conversations'),
    convs.length === 0
      ? h('p', { class: 'empty-list' }, 'No conversations yet. Pick a member below.')
      : h(
          'ul',
          { class: 'conversations' },
          ...convs.map((c) => {
            const last = c.messages.at(-1);
            const preview = last
              ? last.unsent
                ? 'Message unsent'
                : (last.text ?? (last.file ? `📎 ${last.file.name}` : last.call ? '📞 Call' : ''))
              : c.kind === 'group'
                ? 'New group'
                : '';
            return h(
              'li',
              {},
              h(
                'button',
                {
                  class: `conv${c.key === state.activeKey ? ' active' : ''}`,
                  'data-conv': c.title,
                  onclick: () => on.openConversation(c.key),
                },
                avatar(c.title, c.peerId ? state.members.find((m) => m.id === c.peerId)?.online : undefined),
                h(
                  'span',
                  { class: 'conv-text' },
                  h('span', { class: 'conv-title' }, c.kind === 'group' ? `# ${c.title}` : c.title),
                  h('span', { class: 'conv-preview' }, preview),
                ),
                h(
                  'span',
                  { class: 'conv-meta' },
                  last ? h('time', {}, formatTime(last.sentAt)) : '',
                  c.unread > 0 ? h('span', { class: 'badge', 'aria-label': `${c.unread} unread` }, String(c.unread)) : '',
                ),
              ),
            );
          }),
        ),
    h(
      'div',
      { class: 'section-head' },
      h('h2', {}, 'Members'),
      h('button', { class: 'small', onclick: () => on.newGroup() }, '+ New group'),
    ),
    h(
      'ul',
      { class: 'members' },
      ...state.members
        .filter((m) => !m.isMe)
        .sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name))
        .map((m) =>
          h(
            'li',
            {},
            h(
              'button',
              { class: 'member', 'data-member': m.name, onclick: () => on.openMember(m.id) },
              avatar(m.name, m.online),
              h('span', { class: 'member-name' }, m.name),
              state.settings.verified[m.id] === m.safetyNumber ? h('span', { class: 'verified', title: 'Verified in person' }, '✔') : '',
              h('span', { class: 'presence' }, m.online ? 'online' : ''),
            ),
          ),
        ),
    ),
  );
}
