/**
 * One call: a mesh of WebRTC peer connections (simple-peer), up to 6 members, media through
 * TURN with credentials minted by the relay. Signalling (SDP, ICE) is sealed end to end by
 * the core worker. For each pair the member with the lower id initiates, so two members
 * never offer to each other at once (glare is impossible by construction).
 */
import SimplePeer, { type SimplePeerInstance } from 'simple-peer/simplepeer.min.js';
import type { CoreProxy } from '../core-proxy.js';

export type CallMedia = 'audio' | 'video';

export interface RemoteMember {
  id: string;
  peer: SimplePeerInstance;
  streams: MediaStream[];
  connected: boolean;
  volume: number;
  level: number;
}

export interface CallSessionOptions {
  core: CoreProxy;
  myId: string;
  /** Known once the relay created the room (the caller prepares media meanwhile). */
  roomId?: string;
  iceServers: () => Promise<RTCIceServer[]>;
  media: CallMedia;
  conversationKey: string;
  relayOnly: boolean;
  devices: { microphoneId?: string; cameraId?: string };
  onChange: () => void;
}

const SPEAKING_LEVEL = 0.02;

/** How often a call asks for TURN credentials (the controller hands out cached ones until 2 min before expiry). */
const TURN_RENEW_MS = 60_000;

export class CallSession {
  readonly remotes = new Map<string, RemoteMember>();
  /** Members the relay told us are in the room: the only ones whose signals we accept. */
  private readonly admitted = new Set<string>();
  local!: MediaStream;
  screen: MediaStream | undefined;
  muted = false;
  deafened = false;
  cameraOff = false;
  localLevel = 0;
  readonly startedAt = Date.now();
  connectedAt: number | undefined;
  ended = false;
  private iceServers: RTCIceServer[] = [];
  private audio: AudioContext | undefined;
  private meters = new Map<string, AnalyserNode>();
  private meterTimer: ReturnType<typeof setInterval> | undefined;
  private turnRenewal: ReturnType<typeof setInterval> | undefined;

  constructor(readonly opts: CallSessionOptions) {}

  get roomId(): string {
    return this.opts.roomId ?? '';
  }

  /** Microphone/camera and TURN servers, fetched side by side; safe to start before the room exists. */
  async prepare(): Promise<void> {
    const [iceServers, local] = await Promise.all([
      this.opts.iceServers(),
      navigator.mediaDevices.getUserMedia({
        audio: this.opts.devices.microphoneId ? { deviceId: { exact: this.opts.devices.microphoneId } } : true,
        video:
          this.opts.media === 'video' ? (this.opts.devices.cameraId ? { deviceId: { exact: this.opts.devices.cameraId } } : true) : false,
      }),
    ]);
    this.iceServers = iceServers;
    this.local = local;
    this.watchLevel('me', this.local);
    this.turnRenewal = setInterval(() => void this.renewIceServers().catch(() => undefined), TURN_RENEW_MS);
  }

  /**
   * TURN credentials live minutes (the relay's TURN_TTL_SECONDS), and a call may last hours: fresh
   * ones go to every peer connection, so an ICE restart or a member who joins later can still
   * allocate. (An allocation made earlier outlives its credentials.)
   */
  private async renewIceServers(): Promise<void> {
    const servers = await this.opts.iceServers();
    if (this.ended || servers === this.iceServers) return;
    this.iceServers = servers;
    for (const r of this.remotes.values()) {
      try {
        r.peer._pc.setConfiguration({ ...r.peer._pc.getConfiguration(), iceServers: servers });
      } catch {
        // A closed connection takes no configuration; it is replaced on reconnect.
      }
    }
  }

  /** Joins the relay's room (after prepare) and connects to who is there. */
  async join(roomId: string): Promise<void> {
    this.opts.roomId = roomId;
    const { members } = await this.opts.core.call('callJoin', { roomId });
    for (const id of members) this.memberJoined(id);
    this.opts.onChange();
  }

  memberJoined(id: string): void {
    if (id === this.opts.myId || this.ended) return;
    this.admitted.add(id);
    if (this.opts.myId < id && !this.remotes.has(id)) this.connect(id, true);
    this.opts.onChange();
  }

  memberLeft(id: string): void {
    this.admitted.delete(id);
    const r = this.remotes.get(id);
    r?.peer.destroy();
    this.remotes.delete(id);
    this.meters.delete(id);
    this.opts.onChange();
  }

  /** A sealed RTC signal from `fromId` for this room. */
  onRtcSignal(fromId: string, data: string): void {
    if (this.ended || !this.admitted.has(fromId)) return; // only members the relay admitted
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (isIceRestartRequest(parsed)) {
      if (this.opts.myId < fromId) this.restartIce(fromId);
      return;
    }
    const remote = this.remotes.get(fromId) ?? this.connect(fromId, false);
    remote.peer.signal(parsed);
  }

  private connect(id: string, initiator: boolean): RemoteMember {
    const peer = new SimplePeer({
      initiator,
      stream: this.local,
      config: { iceServers: this.iceServers, iceTransportPolicy: this.opts.relayOnly ? 'relay' : 'all' },
    });
    if (this.screen) for (const t of this.screen.getTracks()) peer.addTrack(t, this.screen);
    const remote: RemoteMember = { id, peer, streams: [], connected: false, volume: 1, level: 0 };
    this.remotes.set(id, remote);
    peer.on('signal', (data) => {
      void this.opts.core
        .call('callSignal', { to: id, signal: { type: 'rtc', roomId: this.roomId, data: JSON.stringify(data) } })
        .catch(() => undefined);
    });
    peer.on('stream', (stream) => {
      if (!remote.streams.includes(stream)) remote.streams.push(stream);
      if (remote.streams.length === 1) this.watchLevel(id, stream);
      stream.addEventListener('removetrack', () => this.opts.onChange());
      this.opts.onChange();
    });
    peer.on('track', () => this.opts.onChange());
    peer.on('connect', () => {
      remote.connected = true;
      this.connectedAt ??= Date.now();
      this.applyMute();
      this.opts.onChange();
    });
    peer.on('iceStateChange', (state) => {
      // A network blip: the initiator restarts ICE on the same connection.
      if ((state === 'disconnected' || state === 'failed') && initiator && !peer.destroyed) this.restartIce(id);
      this.opts.onChange();
    });
    peer.on('close', () => {
      if (this.remotes.get(id)?.peer === peer) this.remotes.delete(id);
      this.opts.onChange();
    });
    peer.on('error', () => this.opts.onChange());
    return remote;
  }

  /** Forces an ICE restart with every peer this member initiates (and asks the others to). */
  restartIce(only?: string): void {
    for (const [id, r] of this.remotes) {
      if (only && id !== only) continue;
      if (this.opts.myId < id) {
        r.peer._pc.restartIce();
        r.peer.negotiate();
      } else {
        // Only the initiator offers; ask it (sealed, like all signalling) to restart ICE.
        void this.opts.core
          .call('callSignal', { to: id, signal: { type: 'rtc', roomId: this.roomId, data: JSON.stringify(ICE_RESTART_REQUEST) } })
          .catch(() => undefined);
      }
    }
  }

  toggleMute(): void {
    this.muted = !this.muted;
    this.applyMute();
    this.opts.onChange();
  }

  toggleDeafen(): void {
    this.deafened = !this.deafened;
    if (this.deafened && !this.muted) this.toggleMute();
    this.opts.onChange();
  }

  toggleCamera(): void {
    this.cameraOff = !this.cameraOff;
    this.applyMute();
    this.opts.onChange();
  }

  /** Muting takes the track off the wire (replaceTrack(null)): no packets leave at all. */
  private applyMute(): void {
    const audio = this.local.getAudioTracks()[0] ?? null;
    const video = this.local.getVideoTracks()[0] ?? null;
    for (const r of this.remotes.values()) {
      for (const t of r.peer._pc.getTransceivers()) {
        const kind = t.receiver.track?.kind;
        if (t.sender.track && this.screen?.getTracks().includes(t.sender.track)) continue;
        if (kind === 'audio' && audio) void t.sender.replaceTrack(this.muted ? null : audio).catch(() => undefined);
        if (kind === 'video' && video && t.mid === firstVideoMid(r.peer._pc))
          void t.sender.replaceTrack(this.cameraOff ? null : video).catch(() => undefined);
      }
    }
  }

  async shareScreen(): Promise<void> {
    if (this.screen) return this.stopScreen();
    this.screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const track = this.screen.getVideoTracks()[0];
    track?.addEventListener('ended', () => void this.stopScreen());
    for (const r of this.remotes.values()) for (const t of this.screen.getTracks()) r.peer.addTrack(t, this.screen);
    this.opts.onChange();
  }

  private async stopScreen(): Promise<void> {
    const screen = this.screen;
    if (!screen) return;
    this.screen = undefined;
    for (const r of this.remotes.values()) for (const t of screen.getTracks()) if (!r.peer.destroyed) r.peer.removeTrack(t, screen);
    for (const t of screen.getTracks()) t.stop();
    this.opts.onChange();
  }

  setVolume(id: string, volume: number): void {
    const r = this.remotes.get(id);
    if (r) r.volume = Math.min(1, Math.max(0, volume));
    this.opts.onChange();
  }

  async hangup(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const r of this.remotes.values()) r.peer.destroy();
    this.remotes.clear();
    for (const t of [...(this.local?.getTracks() ?? []), ...(this.screen?.getTracks() ?? [])]) t.stop();
    if (this.meterTimer) clearInterval(this.meterTimer);
    clearInterval(this.turnRenewal);
    void this.audio?.close();
    await this.opts.core.call('callLeave', { roomId: this.roomId }).catch(() => undefined);
    this.opts.onChange();
  }

  private watchLevel(id: string, stream: MediaStream): void {
    if (stream.getAudioTracks().length === 0) return;
    this.audio ??= new AudioContext();
    const analyser = this.audio.createAnalyser();
    analyser.fftSize = 512;
    this.audio.createMediaStreamSource(stream).connect(analyser);
    this.meters.set(id, analyser);
    this.meterTimer ??= setInterval(() => this.measureLevels(), 250);
  }

  private measureLevels(): void {
    const buf = new Float32Array(512);
    let changed = false;
    for (const [id, analyser] of this.meters) {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      const level = Math.sqrt(sum / buf.length);
      const target = id === 'me' ? this : this.remotes.get(id);
      if (!target) continue;
      const before = (id === 'me' ? this.localLevel : (target as RemoteMember).level) > SPEAKING_LEVEL;
      if (id === 'me') this.localLevel = this.muted ? 0 : level;
      else (target as RemoteMember).level = level;
      changed ||= before !== level > SPEAKING_LEVEL;
    }
    if (changed) this.opts.onChange();
  }

  isSpeaking(id: string): boolean {
    return id === 'me' ? this.localLevel > SPEAKING_LEVEL : (this.remotes.get(id)?.level ?? 0) > SPEAKING_LEVEL;
  }

  /** Connection facts for the member (and the tests): candidate types and RTP byte counts. */
  async stats(): Promise<
    {
      id: string;
      connected: boolean;
      candidateType?: string;
      bytesReceived: number;
      bytesSent: number;
      audioBytesSent: number;
      remoteVideoTracks: number;
      iceUfrag?: string;
    }[]
  > {
    const out = [];
    for (const [id, r] of this.remotes) {
      const report = await r.peer._pc.getStats();
      let bytesReceived = 0;
      let bytesSent = 0;
      let audioBytesSent = 0;
      let candidateType: string | undefined;
      let pairLocal: string | undefined;
      report.forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp') bytesReceived += Number(s.bytesReceived ?? 0);
        if (s.type === 'outbound-rtp') {
          bytesSent += Number(s.bytesSent ?? 0);
          if (s.kind === 'audio') audioBytesSent += Number(s.bytesSent ?? 0);
        }
        if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) pairLocal = String(s.localCandidateId);
      });
      if (pairLocal) candidateType = String((report.get(pairLocal) as { candidateType?: string } | undefined)?.candidateType);
      const remoteVideoTracks = r.streams.reduce((n, s) => n + s.getVideoTracks().filter((t) => t.readyState === 'live').length, 0);
      const iceUfrag = r.peer._pc.remoteDescription?.sdp.match(/a=ice-ufrag:(\S+)/)?.[1];
      out.push({ id, connected: r.connected, candidateType, bytesReceived, bytesSent, audioBytesSent, remoteVideoTracks, iceUfrag });
    }
    return out;
  }
}

const ICE_RESTART_REQUEST = { circleIceRestart: true } as const;
const isIceRestartRequest = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (v as { circleIceRestart?: unknown }).circleIceRestart === true;

function firstVideoMid(pc: RTCPeerConnection): string | null {
  return pc.getTransceivers().find((t) => t.receiver.track?.kind === 'video')?.mid ?? null;
}
