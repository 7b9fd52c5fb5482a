/**
 * The call overlay: video tiles with speaking rings and per-member volume, and the controls
 * (mute, deafen, camera, screen share, devices, hang up). It keeps its media elements
 * across renders so playback never restarts.
 */
import { h } from '../dom.js';
import { icon } from '../icons.js';
import type { CallController } from '../calls/call-controller.js';
import type { MemberView } from '../../shared/worker-api.js';

export interface CallPanelHandlers {
  shareScreen(): void;
  pickDevices(): void;
}

export class CallPanel {
  private readonly root = h('div', { id: 'call-root' });
  private readonly media = new Map<string, HTMLVideoElement>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly calls: CallController,
    private readonly members: () => MemberView[],
    private readonly titleOf: (key: string) => string,
    private readonly on: CallPanelHandlers,
  ) {
    document.body.append(this.root);
  }

  render(): void {
    const call = this.calls.active;
    const ring = [...this.calls.rings.values()].find((r) => !call || r.roomId !== call.roomId);
    const parts: HTMLElement[] = [];
    if (ring && !call) {
      const from = this.name(ring.fromId);
      parts.push(
        h(
          'div',
          { class: 'ringing', role: 'alertdialog', 'aria-label': 'Incoming call' },
          h('strong', {}, `${from} is calling`),
          h('span', {}, `${ring.media === 'video' ? 'Video call' : 'Voice call'} · ${this.titleOf(ring.conversationKey)}`),
          h(
            'div',
            { class: 'row' },
            h('button', { class: 'primary', onclick: () => void this.calls.accept(ring.roomId) }, 'Accept'),
            h('button', { class: 'danger', onclick: () => void this.calls.decline(ring.roomId) }, 'Decline'),
          ),
        ),
      );
    }
    if (call) {
      const seconds = Math.floor((Date.now() - (call.connectedAt ?? Date.now())) / 1000);
      const status = call.connectedAt ? `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}` : 'Ringing…';
      const tiles = [this.tile('me', 'You', call.local, true, call.isSpeaking('me'))];
      if (call.screen) tiles.push(this.tile('me-screen', 'Your screen', call.screen, true, false));
      for (const [id, r] of call.remotes) {
        r.streams.forEach((s, i) =>
          tiles.push(
            this.tile(
              `${id}:${s.id}`,
              i === 0 ? this.name(id) : `${this.name(id)}’s screen`,
              s,
              call.deafened,
              i === 0 && call.isSpeaking(id),
              i === 0 ? { id, volume: r.volume } : undefined,
              r.connected,
            ),
          ),
        );
        if (r.streams.length === 0) tiles.push(h('div', { class: 'tile waiting' }, h('span', {}, `${this.name(id)} — connecting…`)));
      }
      parts.push(
        h(
          'section',
          { class: 'call-panel', 'aria-label': 'Call' },
          h(
            'header',
            {},
            h('strong', {}, this.titleOf(call.opts.conversationKey)),
            h('span', { class: 'call-status', 'data-testid': 'call-status' }, status),
            h(
              'span',
              { class: 'relay-note', title: 'Media goes through the TURN relay; members do not learn each other’s IP address' },
              call.opts.relayOnly ? 'Relayed' : 'Direct allowed',
            ),
          ),
          h('div', { class: 'tiles' }, ...tiles),
          h(
            'footer',
            { class: 'call-controls' },
            h(
              'button',
              {
                class: `round${call.muted ? ' off' : ''}`,
                'aria-pressed': String(call.muted),
                title: call.muted ? 'Unmute' : 'Mute',
                'aria-label': call.muted ? 'Unmute' : 'Mute',
                onclick: () => call.toggleMute(),
              },
              icon(call.muted ? 'micOff' : 'mic'),
            ),
            h(
              'button',
              {
                class: `round${call.deafened ? ' off' : ''}`,
                'aria-pressed': String(call.deafened),
                title: call.deafened ? 'Undeafen' : 'Deafen',
                'aria-label': call.deafened ? 'Undeafen' : 'Deafen',
                onclick: () => call.toggleDeafen(),
              },
              icon(call.deafened ? 'speakerOff' : 'speaker'),
            ),
            call.opts.media === 'video'
              ? h(
                  'button',
                  {
                    class: `round${call.cameraOff ? ' off' : ''}`,
                    'aria-label': call.cameraOff ? 'Camera on' : 'Camera off',
                    title: call.cameraOff ? 'Camera on' : 'Camera off',
                    onclick: () => call.toggleCamera(),
                  },
                  icon('video'),
                )
              : '',
            h(
              'button',
              {
                class: `round${call.screen ? ' on' : ''}`,
                'aria-label': call.screen ? 'Stop sharing' : 'Share screen',
                title: call.screen ? 'Stop sharing' : 'Share screen',
                onclick: () => this.on.shareScreen(),
              },
              icon('screen'),
            ),
            h(
              'button',
              { class: 'round', 'aria-label': 'Devices', title: 'Microphone, camera and speaker', onclick: () => this.on.pickDevices() },
              icon('settings'),
            ),
            h(
              'button',
              { class: 'round hangup', 'aria-label': 'Hang up', title: 'Hang up', onclick: () => void this.calls.hangup() },
              icon('hangup'),
            ),
          ),
        ),
      );
      this.timer ??= setInterval(() => this.render(), 1000);
    } else if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.media.clear();
    }
    this.root.replaceChildren(...parts);
  }

  private tile(
    key: string,
    label: string,
    stream: MediaStream,
    muted: boolean,
    speaking: boolean,
    volume?: { id: string; volume: number },
    connected = true,
  ): HTMLElement {
    let video = this.media.get(key);
    if (!video) {
      video = h('video', { autoplay: true, playsinline: true });
      video.srcObject = stream;
      this.media.set(key, video);
    }
    video.muted = muted;
    if (volume) video.volume = volume.volume;
    const hasVideo = stream.getVideoTracks().some((t) => t.readyState === 'live');
    return h(
      'div',
      { class: `tile${speaking ? ' speaking' : ''}${hasVideo ? '' : ' audio-only'}`, 'data-tile': label },
      video,
      h('span', { class: 'tile-name' }, connected ? label : `${label} (reconnecting)`),
      volume
        ? h('input', {
            type: 'range',
            min: 0,
            max: 1,
            step: 0.05,
            value: volume.volume,
            'aria-label': `Volume of ${label}`,
            class: 'volume',
            oninput: (e: Event) => this.calls.active?.setVolume(volume.id, Number((e.target as HTMLInputElement).value)),
          })
        : '',
    );
  }

  private name(id: string): string {
    return this.members().find((m) => m.id === id)?.name ?? 'Someone';
  }
}
