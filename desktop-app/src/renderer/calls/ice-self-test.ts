/**
 * ICE self-test: gathers candidates with the relay's TURN credentials and reports which
 * kinds work (host, server-reflexive, relay), so a member can see whether calls can cross NATs.
 */
import type { CoreProxy } from '../core-proxy.js';

export interface IceReport {
  turnReachable: boolean;
  types: string[];
  message: string;
}

export async function runIceSelfTest(core: CoreProxy, timeoutMs = 6000): Promise<IceReport> {
  let creds;
  try {
    creds = await core.call('turnCredentials', {});
  } catch (err) {
    return { turnReachable: false, types: [], message: err instanceof Error ? err.message : 'no TURN credentials' };
  }
  const pc = new RTCPeerConnection({ iceServers: [{ urls: creds.urls, username: creds.username, credential: creds.credential }] });
  const types = new Set<string>();
  pc.createDataChannel('self-test');
  const done = new Promise<void>((resolve) => {
    pc.onicecandidate = (e) => (e.candidate ? e.candidate.type && types.add(e.candidate.type) : resolve());
    setTimeout(resolve, timeoutMs);
  });
  await pc.setLocalDescription(await pc.createOffer());
  await done;
  pc.close();
  const list = [...types].sort();
  const turnReachable = types.has('relay');
  return {
    turnReachable,
    types: list,
    message: turnReachable
      ? `TURN reachable. Working candidate types: ${list.join(', ')}.`
      : `TURN NOT reachable (found: ${list.join(', ') || 'none'}). Calls may fail across networks; tell your operator.`,
  };
}
