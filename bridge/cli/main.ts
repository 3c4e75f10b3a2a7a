#!/usr/bin/env node
import { Command, CommanderError } from 'commander';

import { CliContext, EXIT, Out, UsageError } from './context';
import { guardedOutput, Output } from './output';
import { registerAudit } from './audit-command';
import { registerJobs, registerPreview, registerReconcile, registerServe } from './commands';
import { registerSetup } from './setup-command';

/** Every command, in the order `--help` lists them. A new command adds its register function here. */
const COMMANDS: ((program: Command, ctx: CliContext) => void)[] = [registerServe, registerPreview, registerReconcile, registerJobs, registerAudit, registerSetup];

const AFTER_HELP = `
Exit codes: 0 done, 1 failed (the message says what and where), 2 usage (an unknown command or option, a missing value).
A reader that closes the output early (bridge audit | head) is no error: the command ends with its own exit code.
Configuration comes from environment variables (and BRIDGE_CONFIG_FILE); see README, "Bridge configuration".`;

/** The CLI's commands, options and help (commander), writing to the context's streams and never exiting itself. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('bridge')
    .description('Keycloak → Kaseya BMS just-in-time provisioning (npm run bridge -- <command> …)')
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .showSuggestionAfterError(true)
    .addHelpText('after', AFTER_HELP);
  for (const register of COMMANDS) register(program, ctx);
  // every command and subcommand: errors become exceptions (mapped to exit codes below), output goes to ctx
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: ctx.out, writeErr: ctx.err }).showHelpAfterError('(add --help for usage)');
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/**
 * Runs one command and returns its exit code (0 done, 1 failed, 2 usage); `serve` runs until SIGINT or SIGTERM.
 * Output goes to `out` and `err` (`output` says when `out` can take more and whether its reader has gone), configuration
 * comes from `environment`: tests call it as it is.
 */
export async function main(argv: string[], environment: NodeJS.ProcessEnv = process.env, out: Out = (t) => void process.stdout.write(t), err: Out = (t) => void process.stderr.write(t), output: Pick<Output, 'drained' | 'closed'> = { drained: async () => undefined, closed: () => false }): Promise<number> {
  // progress bars only on this process's own terminal, never into a test's captured output
  const ctx: CliContext = { env: environment, out, err, tty: process.stderr.isTTY === true && environment === process.env, exitCode: EXIT.ok, drained: output.drained, outputClosed: output.closed };
  const program = buildProgram(ctx);
  if (!argv.length) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    // commander has already written its message (or the help asked for, with exit code 0)
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    err(`bridge: ${(e as Error).message}\n`);
    return e instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
}

if (require.main === module) {
  const stdout = guardedOutput(process.stdout, (e) => {
    process.stderr.write(`bridge: cannot write the output: ${e.message}\n`);
    process.exit(EXIT.failure);
  });
  void main(process.argv.slice(2), process.env, stdout.out, undefined, stdout).then((code) => (process.exitCode = code));
}
