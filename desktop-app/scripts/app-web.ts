/** npm run app:web: builds the renderer and serves it for a Chromium page (browser mode). */
import { AppWebEnv, exitOnConfigError, parseEnv } from '@circle/relay-server/config';
import { serveRenderer } from '../src/web/serve-renderer.js';
import { buildRenderer } from './build-renderer.js';

const USAGE = `usage: npm run app:web
Builds the Circle app and serves it in browser mode on http://localhost:APP_WEB_PORT/ (default 5180,
loopback only) until Ctrl+C. Open it in Chromium, then open your identity file.`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`app:web: unexpected argument ${JSON.stringify(args[0])}: it takes no arguments (see --help)\n`);
  process.exit(2);
}
const { APP_WEB_PORT: port } = exitOnConfigError('app:web', () => parseEnv(AppWebEnv, process.env));
const dir = await buildRenderer();
const server = await serveRenderer(dir, port).catch((err: NodeJS.ErrnoException) => {
  const reason = err.code === 'EADDRINUSE' ? `port ${port} is already in use` : (err.code ?? err.message);
  process.stderr.write(`app:web: cannot serve on port ${port}: ${reason}; choose another, e.g. APP_WEB_PORT=5181\n`);
  process.exit(1);
});
console.log(`Circle (browser mode) at ${server.url}\nOpen it in Chromium, then open your identity file. Stop with Ctrl+C.`);
process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
