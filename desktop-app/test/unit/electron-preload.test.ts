import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, type Result } from '@circle/protocol';
import { CHANNELS } from '../../src/shared/bridge.js';
import * as fake from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js'));

type LooseBridge = { platform: string; invoke(channel: unknown, ...args: unknown[]): Promise<Result<unknown>> };

let circle: LooseBridge;
beforeAll(async () => {
  fake.resetFakeElectron();
  await import('../../src/preload/preload.js');
  circle = fake.contextBridge.exposed.get('circle') as LooseBridge;
});
beforeEach(() => {
  fake.calls.length = 0;
  fake.ipcRenderer.invocations = [];
  fake.ipcRenderer.reply = () => Promise.resolve({ ok: true, value: null });
});

describe('preload', () => {
  it('exposes exactly one object, window.circle, with platform and invoke only', () => {
    expect([...fake.contextBridge.exposed.keys()]).toEqual(['circle']);
    expect(Object.keys(circle).sort()).toEqual(['invoke', 'platform']);
    expect(circle.platform).toBe('electron');
    expect(typeof circle.invoke).toBe('function');
    expect(Object.isFrozen(circle)).toBe(true);
  });

  it('hands over no Electron or Node object', () => {
    for (const value of Object.values(circle)) {
      expect(value).not.toBe(fake.ipcRenderer);
      expect(['string', 'function']).toContain(typeof value);
    }
    expect(fake.calls.filter((c) => c.startsWith('ipcRenderer'))).toEqual([]);
  });

  it.each(CHANNELS)('forwards %s to ipcRenderer.invoke with its arguments and returns the answer', async (channel) => {
    fake.ipcRenderer.reply = (ch) => Promise.resolve({ ok: true, value: `answer for ${ch}` });
    const result = await circle.invoke(channel, 'a', 1);
    expect(fake.ipcRenderer.invocations).toEqual([{ channel, args: ['a', 1] }]);
    expect(result).toEqual({ ok: true, value: `answer for ${channel}` });
  });

  it.each([
    'shell:exec',
    'identity:open ',
    'IDENTITY:OPEN',
    '__proto__',
    'constructor',
    'toString',
    '',
    42,
    null,
    undefined,
    { toString: () => 'settings:get' },
  ])('refuses the channel %j without calling main', async (channel) => {
    const result = await circle.invoke(channel);
    expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    expect(fake.ipcRenderer.invocations).toEqual([]);
  });

  it('turns a failed invoke (no handler, main gone) into an Unavailable result', async () => {
    fake.ipcRenderer.reply = () => Promise.reject(new Error("No handler registered for 'settings:get'"));
    expect(await circle.invoke('settings:get')).toEqual({
      ok: false,
      error: { code: ErrorCode.Unavailable, message: 'settings:get: the app did not answer' },
    });
  });
});
