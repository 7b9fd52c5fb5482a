/** `npm start`'s app web server part: serves the built renderer folder (CIRCLE_RENDERER_DIR) on APP_WEB_PORT. */
import { serveRenderer, type RendererServer } from '../../desktop-app/src/web/serve-renderer.js';
import { runAsPart } from '../lib/supervisor.js';

let server: RendererServer | undefined;
const part = runAsPart(async () => server?.close());
serveRenderer(process.env.CIRCLE_RENDERER_DIR!, Number(process.env.APP_WEB_PORT)).then((s) => {
  server = s;
  part.ready(s.url);
}, part.fail);
