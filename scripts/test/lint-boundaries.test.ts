/** The architecture's import boundaries are lint rules that bite: ESLint refuses each fixture that crosses one. */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './run-script.js';

const FIXTURES = join(REPO_ROOT, 'desktop-app', 'test', 'lint-fixtures');

async function boundaryErrors(fixture: string): Promise<string[]> {
  // The fixtures are ignored by `npm run lint` (they break the rules on purpose): lint them anyway.
  const eslint = new ESLint({ cwd: REPO_ROOT, ignore: false });
  const [result] = await eslint.lintFiles([join(FIXTURES, fixture)]);
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('lint boundary rules', () => {
  it('refuse a Node module imported by the renderer', async () => {
    expect(await boundaryErrors('renderer-imports-node.ts')).toEqual([expect.stringContaining('node:fs')]);
  });

  it('refuse the main process imported by the renderer', async () => {
    expect(await boundaryErrors('renderer-imports-main.ts')).toEqual([expect.stringContaining('main/origin')]);
  });

  it('refuse the relay imported by the protocol', async () => {
    expect(await boundaryErrors('protocol-imports-relay.ts')).toEqual([expect.stringContaining('relay-server')]);
  });
});
