import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared Wycheproof folder, read in place (repo/../shared/vectors/wycheproof). */
export const WYCHEPROOF_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/vectors/wycheproof');

export interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: 'valid' | 'invalid' | 'acceptable';
  [field: string]: unknown;
}
export interface WycheproofGroup {
  [field: string]: unknown;
  tests: WycheproofTest[];
}

export function loadWycheproof(name: string): { groups: WycheproofGroup[]; numberOfTests: number } {
  const data: { testGroups: WycheproofGroup[]; numberOfTests: number } = JSON.parse(
    readFileSync(resolve(WYCHEPROOF_DIR, `${name}_test.json`), 'utf8'),
  );
  return { groups: data.testGroups, numberOfTests: data.numberOfTests };
}
