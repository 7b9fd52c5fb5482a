/** Renderer entry: same code in Electron and in a plain browser page. */
import { App } from './app.js';

const root = document.getElementById('app');
if (root) void new App(root).start();
