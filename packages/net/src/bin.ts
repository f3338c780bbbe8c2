#!/usr/bin/env node
import { ADMIN_COMMANDS, runAdminCommand } from './cli/admin-commands.js';
import { parseCommandLine, USAGE, UsageError } from './cli/args.js';
import { describeError, runClientCommand } from './cli/client-commands.js';
import { runDiagram } from './cli/diagram-command.js';
import { runNode } from './cli/node-command.js';

/** `raftkit` command line: exit 0 ok, 1 "no" (get absent / cas not swapped), 2 error. */
async function main(argv: string[]): Promise<number> {
  // `diagram` has flags of its own; `diagram --help` falls through to the usage below.
  if (argv[0] === 'diagram' && !argv.some((a) => a === '--help' || a === '-h')) {
    return runDiagram(argv.slice(1), process.stdout);
  }
  const args = parseCommandLine(argv);
  if (args.flags.help || args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.command === 'node') return runNode(args, process.stdout);
  if (['put', 'append', 'get', 'cas', 'delete', 'command', 'query', 'status'].includes(args.command)) {
    return runClientCommand(args, { out: process.stdout, err: process.stderr });
  }
  if ((ADMIN_COMMANDS as readonly string[]).includes(args.command)) {
    return runAdminCommand(args, { out: process.stdout, err: process.stderr });
  }
  throw new UsageError(`unknown command "${args.command}"`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Client commands are done: do not wait for sockets in TIME_WAIT or timers.
    if (process.argv[2] !== 'node') setImmediate(() => process.exit(code));
    else process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`${describeError(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  },
);
