/** The app in browser mode names its icon, and the icon is served: no 404 in the browser's console. */
import { describe, expect, it } from 'vitest';
import { buildRenderer } from '../../scripts/build-renderer.js';
import { serveRenderer } from '../../src/web/serve-renderer.js';

describe('app web server: favicon', () => {
  it('index.html links an icon that the web server serves as an image', async () => {
    const server = await serveRenderer(await buildRenderer(), 0);
    try {
      const html = await (await fetch(server.url)).text();
      const href = /<link rel="icon" href="([^"]+)"/.exec(html)?.[1];
      expect(href, 'index.html links an icon').toBeDefined();
      const icon = await fetch(new URL(href!, server.url));
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(await icon.text()).toMatch(/^<svg /);
    } finally {
      await server.close();
    }
  }, 120_000);
});
