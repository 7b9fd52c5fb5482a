/**
 * Plain HTTP beside Socket.IO: challenges for the handshake, health and metrics. Every request
 * that reaches this handler is answered: Engine.IO takes only paths under `/socket.io/` and
 * hands everything else (`/socket.io` without the slash included) to it.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChallengeStore } from './auth/challenges.js';
import type { RelayMetrics } from './observability/metrics.js';

export interface HttpDeps {
  challenges: ChallengeStore;
  metrics: RelayMetrics;
  databaseReachable: () => Promise<boolean>;
  /** METRICS_TOKEN: /metrics on this server answers only `Authorization: Bearer <token>`; unset: 404. */
  metricsToken?: string;
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json', headers: Record<string, string> = {}) {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

const notFound = (res: ServerResponse) => send(res, 404, JSON.stringify({ code: 'NotFound', message: 'no such endpoint' }));

/** Constant-time comparison of a presented bearer token with the configured one. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/** Answers /metrics in Prometheus text. */
export const sendMetrics = (res: ServerResponse, metrics: RelayMetrics) => send(res, 200, metrics.render(), 'text/plain; version=0.0.4');

export function handleHttp(deps: HttpDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, JSON.stringify({ code: 'BadRequest', message: 'only GET is served here' }));
    switch (path) {
      case '/auth/challenge':
        // Challenges are not secret and the app's pages live at another origin.
        return send(res, 200, JSON.stringify({ challenge: deps.challenges.issue() }), 'application/json', {
          'access-control-allow-origin': '*',
        });
      case '/health':
        // Says whether this relay can serve, nothing about members or traffic.
        void deps
          .databaseReachable()
          .then((up) => send(res, up ? 200 : 503, JSON.stringify({ status: up ? 'ok' : 'degraded', database: up ? 'up' : 'down' })));
        return;
      case '/metrics':
        if (!deps.metricsToken) return notFound(res);
        if (!bearerMatches(req.headers.authorization, deps.metricsToken))
          return send(
            res,
            401,
            JSON.stringify({ code: 'NotAuthenticated', message: 'metrics need the bearer token' }),
            'application/json',
            {
              'www-authenticate': 'Bearer',
            },
          );
        return sendMetrics(res, deps.metrics);
      default:
        return notFound(res);
    }
  };
}

/** The METRICS_PORT server's handler: /metrics alone, no token (it listens on 127.0.0.1 only). */
export function handleMetricsOnly(metrics: RelayMetrics) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if ((req.url ?? '/').split('?')[0] === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) return sendMetrics(res, metrics);
    notFound(res);
  };
}
