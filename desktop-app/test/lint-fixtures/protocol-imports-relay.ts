// Breaks the boundary on purpose: protocol code importing the relay (see lint-boundaries.test.ts).
import { MAX_MESSAGE_BYTES } from '../../../relay-server/src/server.js';

export const max = MAX_MESSAGE_BYTES;
