#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { UserError } from '../core/errors.js';
import { COMMANDS } from './commands/index.js';

const VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command('metacot')
    .version(VERSION)
    .description(
      'Meta Chain-of-Thought toolkit: generate search traces, train small reasoning models, verify answers.\n' +
        'Run `metacot <command> --help` for the options of each command.',
    )
    .addHelpText(
      'after',
      '\nStart here:\n' +
        '  metacot demo                          the main job on this CPU (~13 min): Meta-CoT vs CoT, then STaR and RL\n' +
        '  metacot countdown solve --nums 39,66,33,13 --target 50  one search, as a trace\n' +
        '  metacot verify --gold "\\frac12" --response "the answer is \\boxed{0.5}"',
    )
    .showHelpAfterError('(run with --help for usage)')
    // A subcommand's options are its own: `export gguf --out` must not be taken as `export --out`.
    .enablePositionalOptions()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** One line for the user's mistakes; for anything else one line and a hint (the stack only with METACOT_DEBUG). */
function report(err: unknown): number {
  if (err instanceof UserError) {
    process.stderr.write(`metacot: error: ${err.message}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`metacot: internal error: ${message}\n`);
  if (process.env.METACOT_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('(set METACOT_DEBUG=1 for a stack trace, and please report it)\n');
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    return report(err);
  }
}

// A reader that stops early (`metacot --help | head -1`) closes the pipe: that ends the output, not in error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// An error no caller awaited (a stream's 'error' event, a rejected promise left behind) would otherwise end
// the process with Node's raw stack trace: it gets the same one-line report.
for (const event of ['uncaughtException', 'unhandledRejection'] as const)
  process.on(event, (err: unknown) => {
    process.exit(report(err));
  });

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`metacot: internal error: ${String(err)}\n`);
    process.exitCode = 2;
  },
);
