// `scs tail` as its own process, for the tests (src/cli.ts wiring is the lead's).
import { run } from '../../src/cli/tail.ts';

// Only as the entry point: mocha given this folder loads every .ts file in it.
if (import.meta.main) process.exitCode = await run(process.argv.slice(2), process);
