// Breaks the boundary on purpose: renderer code importing a Node module (see lint-boundaries.test.ts).
import { readFileSync } from 'node:fs';

export const read = readFileSync;
