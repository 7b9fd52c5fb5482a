/**
 * The Prisma schema engine as WebAssembly, driven through a node-postgres pool.
 *
 * The Prisma CLI's native schema-engine binary cannot be downloaded here, so migrations
 * run through `@prisma/schema-engine-wasm` (the same engine). Its package entry imports
 * the `.wasm` as an ES module, which Node 20 only allows behind
 * `--experimental-wasm-modules`; we instantiate the bytes ourselves instead, so this works
 * under plain `tsx`, vitest and `node` alike.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';

export type { SchemaEngine };

/** No tables or enums are managed outside Prisma. */
export const NO_SCHEMA_FILTER = { externalTables: [], externalEnums: [] };

let wasmReady: Promise<void> | undefined;

/** Instantiates the engine's wasm once per process (the bindings module holds it globally). */
function loadEngineWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const bindingsPath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(join(dirname(bindingsPath), 'schema_engine_bg.wasm'));
    // The module's only import namespace is the bindings file itself (wasm-bindgen "bundler" target).
    // The engine arms timers (10 s) that outlive engine.free(): unref them so they never keep a
    // finished process (npm run seed / revoke) alive. They still fire while the process runs.
    const imports: WebAssembly.ModuleImports = { ...engineBindings };
    for (const [key, fn] of Object.entries(engineBindings)) {
      if (!key.startsWith('__wbg_setTimeout_') || typeof fn !== 'function') continue;
      imports[key] = (...args: unknown[]) => {
        const timer = (fn as (...a: unknown[]) => unknown)(...args) as { unref?: () => void } | undefined;
        timer?.unref?.();
        return timer;
      };
    }
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': imports });
    engineBindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return wasmReady;
}

export interface SchemaSource {
  /** File name the engine reports in errors, e.g. `schema.prisma`. */
  path: string;
  content: string;
}

/**
 * Runs `work` with a schema engine connected to `connectionString`, then frees the engine
 * and ends its single-connection pool before returning, so that an embedded PGlite server
 * sees the connection go away before the application's own pool connects.
 */
export async function withSchemaEngine<T>(
  connectionString: string,
  schema: SchemaSource,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadEngineWasm();
  const pool = new pg.Pool({ connectionString, max: 1 });
  // An idle client's error (e.g. the server going away) must not crash the process.
  pool.on('error', () => undefined);
  try {
    // Our own pool, so it is certainly closed on return. The cast only bridges two copies of
    // @types/pg (adapter-pg bundles a newer one); at runtime both sides use the same `pg`.
    const adapterFactory = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool as unknown as ConstructorParameters<typeof PrismaPg>[0]));
    // The engine logs JSON lines that may echo connection details: drop them.
    const engine = await engineBindings.SchemaEngine.new({ datamodels: [[schema.path, schema.content]] }, () => undefined, adapterFactory);
    try {
      return await work(engine);
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}
