/** Plain HTTP beside Socket.IO: challenges for the handshake, health and metrics. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChallengeStore } from './auth/challenges.js';
import type { RelayMetrics } from './observability/metrics.js';

export interface HttpDeps {
  challenges: ChallengeStore;
  metrics: RelayMetrics;
  databaseReachable: () => Promise<boolean>;
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json') {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    // Challenges are not secret and the app's pages live at another origin.
    'access-control-allow-origin': '*',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/** Returns true when it answered; Socket.IO's own path is left alone. */
export function handleHttp(deps: HttpDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (path?.startsWith('/socket.io')) return;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, JSON.stringify({ code: 'BadRequest', message: 'only GET is served here' }));
    switch (path) {
      case '/auth/challenge':
        return send(res, 200, JSON.stringify({ challenge: deps.challenges.issue() }));
      case '/health':
        void deps
          .databaseReachable()
          .then((up) => send(res, up ? 200 : 503, JSON.stringify({ status: up ? 'ok' : 'degraded', database: up ? 'up' : 'down' })));
        return;
      case '/metrics':
        return send(res, 200, deps.metrics.render(), 'text/plain; version=0.0.4');
      default:
        return send(res, 404, JSON.stringify({ code: 'NotFound', message: 'no such endpoint' }));
    }
  };
}
