/** npm run bench -- NAME : runs bench/NAME.ts, which prints its figures beside its baseline. */
const BENCHES: readonly string[] = ['crypto', 'relay', 'calls', 'hostile', 'cluster'];
const name: string = process.argv[2] ?? '';
if (!BENCHES.includes(name)) {
  console.error(`usage: npm run bench -- ${BENCHES.join('|')}`);
  process.exit(2);
}
await import(new URL(`./${name}.ts`, import.meta.url).href);
