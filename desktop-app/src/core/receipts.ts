/** Delivered/read receipts: ordinary sealed messages, one per sender and conversation. */
import type { Contact } from './directory.js';
import type { ReceivedMessage } from './message-receiver.js';
import type { MessageSender } from './message-sender.js';
import type { Conversation } from '@circle/protocol';

/** Message kinds that get delivered/read receipts. */
const RECEIPTED = new Set(['text', 'file']);
/** Message ids per receipt. */
const TARGETS_PER_RECEIPT = 500;

/** Sends receipts for received messages (receipts are stored like any other message). */
export async function sendReceipts(sender: MessageSender, messages: ReceivedMessage[], state: 'delivered' | 'read'): Promise<void> {
  const groups = new Map<string, { to: Contact; conversation: Conversation; ids: string[] }>();
  for (const m of messages) {
    if (m.fromMe || !RECEIPTED.has(m.content.body.type)) continue;
    const key = `${m.from.id}:${JSON.stringify(m.content.conversation)}`;
    const g = groups.get(key) ?? { to: m.from, conversation: m.content.conversation, ids: [] };
    g.ids.push(m.messageId);
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    for (let i = 0; i < g.ids.length; i += TARGETS_PER_RECEIPT) {
      await sender.send(g.conversation, { type: 'receipt', targets: g.ids.slice(i, i + TARGETS_PER_RECEIPT), state }, [g.to]);
    }
  }
}
