/**
 * The README's version statement agrees with what `npm ci` says: every locked package whose
 * `engines.node` refuses the Node the README names (20.19) is one the README lists as warning
 * EBADENGINE, and none it lists is missing from the lockfile's refusals.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './run-script.js';

// npm's own range semantics; semver is in the tree through several tools (not a direct dependency).
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(v: string, range: string): boolean;
  minVersion(r: string): { version: string };
};

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};
const rootEngines = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

describe('README version statement', () => {
  it('names the Node version package.json requires', () => {
    const minimum = semver.minVersion(rootEngines).version.replace(/\.0$/, '');
    expect(readme).toContain(`Node.js ${minimum} or later`);
  });

  it('lists exactly the locked packages that make `npm ci` warn EBADENGINE on that Node', () => {
    const minimum = semver.minVersion(rootEngines).version;
    const refusing = new Set<string>();
    for (const [path, pkg] of Object.entries(lock.packages)) {
      const range = !Array.isArray(pkg.engines) ? pkg.engines?.node : undefined;
      if (!path || !range || semver.satisfies(minimum, range)) continue;
      refusing.add(path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    }
    const paragraph = readme.slice(readme.indexOf('`npm ci` warns `EBADENGINE`'), readme.indexOf('engines.test.ts'));
    const listed = new Set(
      [...paragraph.matchAll(/`(@?[a-z0-9][\w.-]*(?:\/[\w.-]+)?)`/g)]
        .map((m) => m[1]!)
        .filter((n) => !['npm ci', 'EBADENGINE', 'package-lock.json'].includes(n)),
    );
    expect([...listed].sort()).toEqual([...refusing].sort());
  });
});
