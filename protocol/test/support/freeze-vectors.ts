/** Writes vectors/circle-v1.json. Run once per protocol version: npx tsx protocol/test/support/freeze-vectors.ts */
import { writeFileSync } from 'node:fs';
import { nativeSuite } from '../../src/index.js';
import { FIXED_INPUTS, computeCircleV1Vectors } from './circle-v1-vectors.js';

const out = new URL('../vectors/circle-v1.json', import.meta.url);
const expected = await computeCircleV1Vectors(nativeSuite);
writeFileSync(out, JSON.stringify({ version: 1, frozen: '2026-11-22', inputs: FIXED_INPUTS, expected }, null, 2) + '\n');
console.log(`wrote ${out.pathname}`);
