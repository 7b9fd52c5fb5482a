/**
 * Ringing and the call lifecycle around CallSession: start (create the relay room, ring the
 * invited), incoming rings (accept / decline), joining a call in progress, hang-up, and the
 * call log entries (missed, declined, ended) that go into the conversation.
 */
import type { CallSignal, Conversation } from '@circle/protocol';
import type { CoreProxy } from '../core-proxy.js';
import type { Settings } from '../../shared/settings.js';
import type { ConversationView } from '../../shared/worker-api.js';
import { CallSession, type CallMedia } from './call-session.js';
import { RingGate } from './ring-gate.js';

export interface Ring {
  roomId: string;
  fromId: string;
  media: CallMedia;
  conversationKey: string;
  at: number;
}

const RING_TIMEOUT_MS = 30_000;

export class CallController {
  active: CallSession | undefined;
  /** Rings not yet answered, and calls in progress we could join, by room. */
  readonly rings = new Map<string, Ring>();
  private ringTimer: ReturnType<typeof setTimeout> | undefined;
  private declinedBy = new Set<string>();
  private readonly ringGate = new RingGate();
  private turn: { servers: RTCIceServer[]; until: number } | undefined;

  constructor(
    private readonly core: CoreProxy,
    private readonly me: () => string,
    private readonly settings: () => Settings,
    private readonly conversations: () => ConversationView[],
    private readonly onChange: () => void,
  ) {
    core.on('signal', ({ fromId, signal }) => this.onSignal(fromId, signal));
    // TURN credentials are fetched once online and reused until near expiry: one round trip less per call.
    core.on('state', ({ state }) => state === 'online' && void this.iceServers().catch(() => undefined));
    core.on('callMember', ({ roomId, memberId, joined }) => {
      if (this.active?.roomId !== roomId) return;
      if (joined) this.active.memberJoined(memberId);
      else this.active.memberLeft(memberId);
      if (!joined && this.active.remotes.size === 0 && this.active.connectedAt && this.isOneToOne()) void this.hangup();
    });
  }

  /** Starts a call from a conversation: creates a relay room for exactly its members and rings them. */
  async start(conversationKey: string, media: CallMedia): Promise<void> {
    if (this.active) throw new Error('you are already in a call');
    const conv = this.conv(conversationKey);
    const invited = conv.memberIds.filter((id) => id !== this.me());
    const conversation = this.conversationOf(conv);
    this.declinedBy.clear();
    // Ring as soon as the room exists; media is acquired meanwhile.
    const call = this.newSession(media, conversationKey);
    const prepared = call.prepare();
    const { roomId } = await this.core.call('callCreate', { invited });
    this.callerOf.add(roomId); // only the caller writes the call into the conversation
    const rung = Promise.all(
      invited.map((to) =>
        this.core.call('callSignal', { to, signal: { type: 'ring', roomId, media, conversation } }).catch(() => undefined),
      ),
    );
    await this.enter(call, prepared, roomId);
    await rung;
    this.ringTimer = setTimeout(() => {
      if (this.active?.roomId === roomId && !this.active.connectedAt) void this.hangup('missed');
    }, RING_TIMEOUT_MS);
  }

  async accept(roomId: string): Promise<void> {
    const ring = this.rings.get(roomId);
    if (!ring || this.active) return;
    this.rings.delete(roomId);
    const call = this.newSession(ring.media, ring.conversationKey);
    await this.enter(call, call.prepare(), roomId);
    void this.core.call('callSignal', { to: ring.fromId, signal: { type: 'accept', roomId } }).catch(() => undefined);
  }

  async decline(roomId: string): Promise<void> {
    const ring = this.rings.get(roomId);
    if (!ring) return;
    // Decline declines the caller, not only this room: their other rings go, and new ones stay silent for a while.
    this.ringGate.silence(ring.fromId, Date.now());
    for (const [id, r] of this.rings) if (r.fromId === ring.fromId && id !== this.active?.roomId) this.rings.delete(id);
    this.onChange();
    await this.core.call('callSignal', { to: ring.fromId, signal: { type: 'decline', roomId } }).catch(() => undefined);
  }

  async hangup(logAs?: 'missed' | 'ended' | 'declined'): Promise<void> {
    const call = this.active;
    if (!call) return;
    this.active = undefined;
    if (this.ringTimer) clearTimeout(this.ringTimer);
    const wasCaller = this.callerOf.has(call.roomId);
    await call.hangup();
    const conv = this.conversations().find((c) => c.key === call.opts.conversationKey);
    if (conv) {
      const others = conv.memberIds.filter((id) => id !== this.me());
      if (!call.connectedAt)
        for (const to of others)
          void this.core.call('callSignal', { to, signal: { type: 'cancel', roomId: call.roomId } }).catch(() => undefined);
      if (wasCaller) {
        const event = logAs ?? (call.connectedAt ? 'ended' : 'missed');
        void this.core
          .call('callLog', {
            key: conv.key,
            event,
            media: call.opts.media,
            durationMs: call.connectedAt ? Date.now() - call.connectedAt : undefined,
          })
          .catch(() => undefined);
      }
    }
    this.onChange();
  }

  private readonly callerOf = new Set<string>();

  async iceServers(): Promise<RTCIceServer[]> {
    if (this.turn && this.turn.until > Date.now()) return this.turn.servers;
    const c = await this.core.call('turnCredentials', {});
    const servers = [{ urls: c.urls, username: c.username, credential: c.credential }];
    this.turn = { servers, until: Date.now() + (c.ttlSeconds - 120) * 1000 };
    return servers;
  }

  private newSession(media: CallMedia, conversationKey: string): CallSession {
    const s = this.settings();
    return new CallSession({
      core: this.core,
      myId: this.me(),
      media,
      conversationKey,
      iceServers: () => this.iceServers(),
      relayOnly: s.calls.relayOnly,
      devices: { microphoneId: s.calls.microphoneId, cameraId: s.calls.cameraId },
      onChange: this.onChange,
    });
  }

  private async enter(call: CallSession, prepared: Promise<void>, roomId: string): Promise<void> {
    this.active = call;
    try {
      await prepared;
      await call.join(roomId);
    } catch (err) {
      this.active = undefined;
      await call.hangup();
      throw err;
    }
    this.onChange();
  }

  private onSignal(fromId: string, signal: CallSignal): void {
    switch (signal.type) {
      case 'ring': {
        const key = this.keyFor(signal.conversation, fromId);
        if (!key || !this.ringGate.admit(fromId, Date.now())) return;
        // One banner per caller: a new ring from them replaces the one before.
        for (const [id, r] of this.rings) if (r.fromId === fromId) this.rings.delete(id);
        this.rings.set(signal.roomId, { roomId: signal.roomId, fromId, media: signal.media, conversationKey: key, at: Date.now() });
        setTimeout(() => this.rings.get(signal.roomId)?.at === undefined || this.expireRing(signal.roomId), RING_TIMEOUT_MS);
        break;
      }
      case 'cancel':
      case 'hangup':
        this.rings.delete(signal.roomId);
        break;
      case 'decline':
        if (this.active?.roomId === signal.roomId) {
          this.declinedBy.add(fromId);
          const conv = this.conversations().find((c) => c.key === this.active?.opts.conversationKey);
          const everyone = conv ? conv.memberIds.filter((id) => id !== this.me()) : [];
          if (!this.active.connectedAt && everyone.every((id) => this.declinedBy.has(id))) void this.hangup('declined');
        }
        break;
      case 'accept':
        break;
      case 'rtc':
        if (this.active?.roomId === signal.roomId) this.active.onRtcSignal(fromId, signal.data);
        break;
    }
    this.onChange();
  }

  private expireRing(roomId: string): void {
    const ring = this.rings.get(roomId);
    if (ring && Date.now() - ring.at >= RING_TIMEOUT_MS) {
      this.rings.delete(roomId);
      this.onChange();
    }
  }

  /** From the key, not the conversation list: a direct ring does not make the conversation (it may not exist yet). */
  private isOneToOne(): boolean {
    return this.active?.opts.conversationKey.startsWith('direct:') ?? false;
  }

  private conv(key: string): ConversationView {
    const c = this.conversations().find((x) => x.key === key);
    if (!c) throw new Error('no such conversation');
    return c;
  }

  private conversationOf(c: ConversationView): Conversation {
    return c.kind === 'group'
      ? { kind: 'group', id: c.key.slice('group:'.length), name: c.title, members: c.memberIds }
      : { kind: 'direct' };
  }

  private keyFor(conversation: Conversation, fromId: string): string | undefined {
    if (conversation.kind === 'direct') return `direct:${fromId}`;
    return `group:${conversation.id}`;
  }
}
