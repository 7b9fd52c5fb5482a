// Breaks the boundary on purpose: renderer code importing the Electron main process (see lint-boundaries.test.ts).
import { APP_ORIGIN } from '../../src/main/origin.js';

export const origin = APP_ORIGIN;
