/**
 * A scripted member for the hostile-content tests: a real identity of the circle, connected
 * with the real client core, that seals and stores messages it crafts with the project's own
 * protocol modules (correctly sealed and signed; only the content, id, clock or counter are
 * what a hostile or buggy app would choose).
 */
import {
  deleteProofHash,
  encodeContent,
  fromHex,
  nativeSuite,
  sealEnvelope,
  SendCounter,
  toHex,
  type MessageContent,
} from '@circle/protocol';
import type { CircleClient, Contact, ReceivedMessage } from '../../../src/core/index.js';
import type { World } from './circle-app.js';

export interface Crafted {
  messageId?: string;
  /** The sender's clock, as the envelope states it (ms). */
  sentAt?: number;
  counter?: bigint;
  /** The blob id (the mailbox lists blobs in blob-id order). */
  blobId?: string;
}

export interface ScriptedMember {
  client: CircleClient;
  me: Contact;
  /** The roster entry of the member named `name`. */
  member(name: string): Contact;
  /** Seals `content` to `to` and stores it in their mailbox; resolves with the message id. */
  send(to: Contact, content: Omit<MessageContent, 'v' | 'deleteSecret'>, crafted?: Crafted): Promise<string>;
  /** Texts that reached this member, live or synced. */
  readonly inbox: ReceivedMessage[];
}

export async function scriptedMember(world: World, index: number): Promise<ScriptedMember> {
  const client = await world.circle.connect(index);
  const inbox: ReceivedMessage[] = [];
  client.on('message', (m) => inbox.push(m));
  const identity = world.circle.identities[index]!;
  const counter = new SendCounter();
  const member = (name: string): Contact => {
    const c = client.directory.byName(name);
    if (!c) throw new Error(`no member named ${name}`);
    return c;
  };
  return {
    client,
    inbox,
    me: client.me,
    member,
    async send(to, content, crafted = {}) {
      const messageId = crafted.messageId ?? toHex(nativeSuite.randomBytes(16));
      const secret = nativeSuite.randomBytes(32);
      const sentAt = crafted.sentAt ?? Date.now();
      const bytes = await sealEnvelope({
        sender: { ed25519Seed: identity.ed25519Seed, ed25519PublicKey: client.me.ed25519PublicKey },
        recipient: to,
        messageId: fromHex(messageId),
        counter: crafted.counter ?? counter.next(),
        sentAt: BigInt(sentAt),
        content: encodeContent({ v: 1, ...content, deleteSecret: toHex(secret) }),
      });
      await client.connection.request('blob:put', {
        id: crafted.blobId ?? globalThis.crypto.randomUUID(),
        to: to.mailbox,
        bytes,
        deleteProofHash: deleteProofHash(secret),
      });
      return messageId;
    },
  };
}
