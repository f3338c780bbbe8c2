#!/usr/bin/env node
import { randomInt } from 'node:crypto';
import { parseTortureArgs, USAGE, UsageError } from './args.js';
import { formatReport, resultJson } from './report.js';
import { runTorture } from './torture.js';

/** `pnpm torture ...`: the report on stdout (JSON last line with --json), progress on stderr; exit 0 pass, 1 fail, 2 usage. */
async function main(argv: string[]): Promise<number> {
  const args = parseTortureArgs(argv, () => randomInt(2 ** 31));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const result = await runTorture({
    nodes: args.nodes,
    durationS: args.durationS,
    nemeses: args.nemeses,
    seed: args.seed,
    clients: args.clients,
    keep: args.keep,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(formatReport(result));
  if (args.json) process.stdout.write(`${resultJson(result)}\n`);
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  },
);
