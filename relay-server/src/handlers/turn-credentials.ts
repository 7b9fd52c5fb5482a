/**
 * TURN credentials for coturn's REST API (`use-auth-secret`): username "<expiry>:<id>",
 * password base64(HMAC-SHA1(secret, username)). Short-lived; a session keeps working past
 * expiry, new allocations do not. The id is random per mint, not the member's identity.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface TurnCredentials {
  urls: string[];
  username: string;
  credential: string;
  ttlSeconds: number;
}

export function mintTurnCredentials(secret: string, urls: string[], ttlSeconds: number, nowMs: number = Date.now()): TurnCredentials {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiry}:${randomBytes(9).toString('base64url')}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { urls, username, credential, ttlSeconds };
}
