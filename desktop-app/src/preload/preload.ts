/**
 * The whole preload: one object, `window.circle`, with `platform` and `invoke`. It forwards
 * calls on known channels to main (which checks the sender and parses the arguments) and
 * refuses the rest. No ipcRenderer, no Node objects, no event subscriptions cross the bridge.
 * Runs sandboxed, so it may only require('electron'); the build checks that.
 * Anchor: electron/fiddle `src/preload/preload.ts`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { ErrorCode, fail, type Result } from '@circle/protocol';
import { CHANNELS, type Channel, type ChannelParams, type ChannelResults, type CircleBridge } from '../shared/bridge.js';

const KNOWN_CHANNELS: ReadonlySet<string> = new Set(CHANNELS);

function invoke<C extends Channel>(channel: C, ...args: ChannelParams[C]): Promise<Result<ChannelResults[C]>> {
  if (typeof channel !== 'string' || !KNOWN_CHANNELS.has(channel)) {
    const name = typeof channel === 'string' ? channel.slice(0, 64) : typeof channel;
    return Promise.resolve(fail(ErrorCode.Forbidden, `unknown channel: ${name}`));
  }
  return (ipcRenderer.invoke(channel, ...args) as Promise<Result<ChannelResults[C]>>).catch(() =>
    fail(ErrorCode.Unavailable, `${channel}: the app did not answer`),
  );
}

export const bridge: CircleBridge = Object.freeze({ platform: 'electron' as const, invoke });

contextBridge.exposeInMainWorld('circle', bridge);
