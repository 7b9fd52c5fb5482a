/** One message: text (as text), links, files and images, reply quote, reactions, state and actions. */
import { formatBytes, formatTime, h } from '../dom.js';
import { icon } from '../icons.js';
import { splitLinks } from '../linkify.js';
import { previewCanvas } from '../previews.js';
import type { MessageView } from '../../shared/worker-api.js';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'];

export interface MessageHandlers {
  reply(m: MessageView): void;
  react(m: MessageView, emoji: string): void;
  edit(m: MessageView): void;
  unsend(m: MessageView): void;
  retry(m: MessageView): void;
  cancel(m: MessageView): void;
  save(m: MessageView): void;
  openLink(href: string): void;
}

const STATE_LABEL: Record<MessageView['state'], string> = {
  sending: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
  expired: 'Expired before delivery',
};
const STATE_ICON: Record<MessageView['state'], string> = {
  sending: '◷',
  sent: '✓',
  delivered: '✓✓',
  read: '✓✓',
  failed: '!',
  expired: '⌛',
};

function textWithLinks(text: string, openLink: (href: string) => void): HTMLElement {
  const p = h('p', { class: 'text' });
  for (const part of splitLinks(text)) {
    if (part.kind === 'text') p.append(part.text);
    else
      p.append(
        h(
          'a',
          { href: part.href, rel: 'noreferrer noopener', onclick: (e: Event) => (e.preventDefault(), openLink(part.href)) },
          part.text,
        ),
      );
  }
  return p;
}

export function messageView(
  m: MessageView,
  opts: { showAuthor: boolean; preview?: ImageBitmap | 'loading' | 'none'; progress?: { done: number; total: number }; isGroup: boolean },
  on: MessageHandlers,
): HTMLElement {
  // A group change is a line in the conversation, not a bubble: who changed what.
  if (m.notice !== undefined)
    return h('li', { class: 'notice', 'data-id': m.id }, h('p', { class: 'notice-text' }, m.notice), h('time', {}, formatTime(m.sentAt)));
  const body = h('div', { class: 'bubble' });
  if (opts.showAuthor && !m.fromMe) body.append(h('span', { class: 'author' }, m.fromName));
  if (m.replyTo) body.append(h('blockquote', { class: 'quote' }, h('strong', {}, m.replyTo.fromName), ' ', m.replyTo.preview));
  if (m.unsent) body.append(h('p', { class: 'text unsent' }, m.fromMe ? 'You unsent this message' : 'This message was unsent'));
  else {
    if (m.text !== undefined) body.append(textWithLinks(m.text, (href) => on.openLink(href)));
    if (m.file) {
      const card = h('div', { class: 'file' });
      if (opts.preview instanceof ImageBitmap) card.append(previewCanvas(opts.preview, m.file.name));
      card.append(
        h(
          'div',
          { class: 'file-row' },
          h('span', { class: 'file-icon' }, icon('file')),
          h('span', { class: 'file-name' }, m.file.name),
          h('span', { class: 'file-size' }, formatBytes(m.file.size)),
        ),
      );
      if (opts.progress && opts.progress.done < opts.progress.total) {
        card.append(h('progress', { max: opts.progress.total, value: opts.progress.done, 'aria-label': 'Transfer progress' }));
        if (m.fromMe && m.state === 'sending') card.append(h('button', { class: 'small', onclick: () => on.cancel(m) }, 'Cancel'));
      } else if (!m.fromMe) card.append(h('button', { class: 'small', onclick: () => on.save(m) }, 'Save…'));
      body.append(card);
      if (m.caption) body.append(textWithLinks(m.caption, (href) => on.openLink(href)));
    }
    if (m.call) {
      const what = m.call.media === 'video' ? 'Video call' : 'Call';
      const label =
        m.call.event === 'missed'
          ? `Missed ${what.toLowerCase()}`
          : m.call.event === 'declined'
            ? `${what} declined`
            : `${what} · ${Math.round((m.call.durationMs ?? 0) / 1000)} s`;
      body.append(h('p', { class: 'text call-entry' }, `📞 ${label}`));
    }
  }
  if (m.reactions.length)
    body.append(
      h(
        'div',
        { class: 'reactions' },
        ...m.reactions.map((r) =>
          h(
            'button',
            { class: `reaction${r.mine ? ' mine' : ''}`, title: r.names.join(', '), onclick: () => on.react(m, r.emoji) },
            `${r.emoji} ${r.count}`,
          ),
        ),
      ),
    );
  const meta = h(
    'div',
    { class: 'meta' },
    h('time', { title: formatTime(m.sentAt) }, formatTime(m.sentAt)),
    m.clock
      ? h(
          'span',
          { class: 'clock-mark', 'data-clock': m.clock.mark, title: `The sender’s clock said ${formatTime(m.clock.claimed)}` },
          m.clock.mark === 'future' ? '⚠ sender’s clock ahead' : '⚠ sender’s clock behind',
        )
      : '',
    m.edited ? h('span', { class: 'edited' }, 'edited') : '',
  );
  if (m.fromMe) {
    const detail =
      opts.isGroup && m.recipients.length ? m.recipients.map((r) => `${r.name}: ${STATE_LABEL[r.state]}`).join('\n') : STATE_LABEL[m.state];
    meta.append(
      h(
        'span',
        { class: `state state-${m.state}`, title: detail, 'data-state': m.state },
        `${STATE_ICON[m.state]} ${STATE_LABEL[m.state]}`,
      ),
    );
    if (m.state === 'failed') meta.append(h('button', { class: 'link retry', onclick: () => on.retry(m) }, 'Retry'));
  }
  if (m.expiresAt && !m.unsent) meta.title = `The relay keeps this until about ${new Date(m.expiresAt).toLocaleString()}`;
  body.append(meta);

  const actions = h(
    'div',
    { class: 'actions', role: 'toolbar', 'aria-label': 'Message actions' },
    ...(m.unsent ? [] : [h('button', { title: 'Reply', 'aria-label': 'Reply', onclick: () => on.reply(m) }, icon('reply', 15))]),
    ...(m.unsent
      ? []
      : QUICK_REACTIONS.slice(0, 3).map((e) =>
          h('button', { title: `React ${e}`, 'aria-label': `React ${e}`, onclick: () => on.react(m, e) }, e),
        )),
    ...(m.fromMe && !m.unsent && m.text !== undefined
      ? [h('button', { title: 'Edit', 'aria-label': 'Edit', onclick: () => on.edit(m) }, icon('edit', 15))]
      : []),
    ...(m.fromMe && !m.unsent
      ? [h('button', { title: 'Unsend', 'aria-label': 'Unsend', onclick: () => on.unsend(m) }, icon('trash', 15))]
      : []),
  );
  return h('li', { class: `message${m.fromMe ? ' mine' : ''}`, 'data-id': m.id, 'data-text': m.text ?? '' }, body, actions);
}
