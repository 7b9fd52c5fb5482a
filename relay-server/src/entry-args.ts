/**
 * Command-line arguments of the relay's and the worker's entry points: they take none but
 * `--help`. Help prints the usage and exits 0 without starting anything; anything else is
 * refused with one line (exit 2) instead of being silently ignored.
 */
export function handleEntryArgs(name: string, usage: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (argv.length === 0) return;
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  process.stderr.write(`${name}: unexpected argument ${JSON.stringify(argv[0])}: it takes no arguments, only variables (see --help)\n`);
  process.exit(2);
}
