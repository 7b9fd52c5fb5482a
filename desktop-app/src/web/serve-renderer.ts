/**
 * Browser mode: serves the built renderer on loopback with the same headers and path checks
 * as the Electron window's `app://` scheme (renderer-files.ts). Serves only files from the
 * renderer folder, plus `/health` for `npm start`'s supervisor. Every request gets an answer
 * (a 4xx for anything malformed); none can throw out of the handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mimeTypeOf, readRendererFile, rendererSecurityHeaders, resolveRendererPath } from './renderer-files.js';

export interface RendererServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const REASONS = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed' } as const;

function refuse(res: ServerResponse, status: keyof typeof REASONS): void {
  const headers = rendererSecurityHeaders('text/plain; charset=utf-8');
  res.writeHead(status, status === 405 ? { ...headers, Allow: 'GET, HEAD' } : headers).end(REASONS[status]);
}

async function answer(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405);
  const encodedPath = (req.url ?? '/').split('?')[0] ?? '/';
  if (encodedPath === '/health') {
    res.writeHead(200, rendererSecurityHeaders('application/json')).end(req.method === 'HEAD' ? undefined : '{"status":"ok"}');
    return;
  }
  const candidate = resolveRendererPath(root, encodedPath);
  if (!candidate) return refuse(res, 400);
  const body = await readRendererFile(root, candidate);
  if (body === 'outside') return refuse(res, 403);
  if (!body) return refuse(res, 404);
  res.writeHead(200, rendererSecurityHeaders(mimeTypeOf(candidate))).end(req.method === 'HEAD' ? undefined : body);
}

export async function serveRenderer(dir: string, port = 0, host = '127.0.0.1'): Promise<RendererServer> {
  const server: Server = createServer((req, res) => {
    answer(dir, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  // Unparseable requests (bad request line, oversized or malformed headers): a 400, never a throw.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${actual}/`,
    port: actual,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
