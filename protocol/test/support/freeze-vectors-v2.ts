/** Writes vectors/circle-v2.json. Run once per protocol version: npx tsx protocol/test/support/freeze-vectors-v2.ts */
import { writeFileSync } from 'node:fs';
import { nativeSuite } from '../../src/index.js';
import { FIXED_INPUTS_V2, computeCircleV2Vectors } from './circle-v2-vectors.js';

const out = new URL('../vectors/circle-v2.json', import.meta.url);
const expected = await computeCircleV2Vectors(nativeSuite);
writeFileSync(out, JSON.stringify({ version: 2, frozen: '2026-12-07', inputs: FIXED_INPUTS_V2, expected }, null, 2) + '\n');
console.log(`wrote ${out.pathname}`);
