/** Live-only sealed signals (typing, call signalling): sealed like messages, forwarded by the relay, never stored. */
import {
  ReplayGuard,
  SIGNAL_BYTES,
  SendCounter,
  decodeSignalContent,
  isSignalFresh,
  encodeContent,
  nativeSuite,
  openEnvelope,
  sealEnvelope,
  toHex,
  type Identity,
  type SignalContent,
} from '@circle/protocol';
import type { Contact, Directory } from './directory.js';
import type { RelayConnection } from './relay-connection.js';

export interface ReceivedSignal {
  from: Contact;
  signal: SignalContent['signal'];
}

export class LiveSignals {
  constructor(
    private readonly identity: Identity,
    private readonly directory: Directory,
    private readonly connection: RelayConnection,
    private readonly counter: SendCounter,
    private readonly guard: ReplayGuard,
    private readonly onSignal: (signal: ReceivedSignal) => void,
  ) {}

  /** Seals and sends one signal to one member (the relay does not say whether anyone received it). */
  async send(to: Contact, signal: SignalContent['signal']): Promise<void> {
    const me = this.directory.me;
    const bytes = await sealEnvelope({
      sender: { ed25519Seed: this.identity.ed25519Seed, ed25519PublicKey: me.ed25519PublicKey },
      recipient: to,
      messageId: nativeSuite.randomBytes(16),
      counter: this.counter.next(),
      sentAt: BigInt(Date.now()),
      content: encodeContent({ v: 1, signal }),
      frameBytes: SIGNAL_BYTES,
    });
    await this.connection.request('signal:send', { to: to.mailbox, bytes });
  }

  /** Opens a received live frame; an unopenable, foreign, stale or replayed one is dropped. */
  async accept(bytes: Uint8Array): Promise<void> {
    try {
      const opened = await openEnvelope(
        bytes,
        { x25519SecretKey: this.identity.x25519SecretKey, ...this.directory.me },
        { frameBytes: SIGNAL_BYTES },
      );
      const from = this.directory.get(toHex(opened.senderPublicKey));
      if (!from) return;
      if (!isSignalFresh(Number(opened.sentAt), Date.now())) return; // recorded and replayed
      const { signal } = decodeSignalContent(opened.content);
      if (this.guard.check(from.id, toHex(opened.messageId), opened.counter) === 'duplicate') return;
      this.onSignal({ from, signal });
    } catch {
      // unopenable live frames are dropped
    }
  }
}
