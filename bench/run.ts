/** npm run bench -- NAME : runs bench/NAME.ts, which prints its figures beside its baseline. */
const BENCHES = ['crypto', 'relay', 'calls'] as const;
const name = process.argv[2] ?? '';
if (!(BENCHES as readonly string[]).includes(name)) {
  console.error(`usage: npm run bench -- ${BENCHES.join('|')}`);
  process.exit(2);
}
await import(`./${name}.ts`);
