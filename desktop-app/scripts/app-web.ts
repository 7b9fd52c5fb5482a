/** npm run app:web: builds the renderer and serves it for a Chromium page (browser mode). */
import { serveRenderer } from '../src/web/serve-renderer.js';
import { buildRenderer } from './build-renderer.js';

const port = Number(process.env.APP_WEB_PORT ?? 5180);
const dir = await buildRenderer();
const server = await serveRenderer(dir, port);
console.log(`Circle (browser mode) at ${server.url}\nOpen it in Chromium, then open your identity file. Stop with Ctrl+C.`);
process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
