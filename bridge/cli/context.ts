/** Exit codes of every command (README, "The CLI"). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Writes text as it is (add the newline yourself). */
export type Out = (text: string) => void;

/** What a command gets: the environment (its configuration), where to write, and whether it runs on a terminal. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  out: Out;
  err: Out;
  /** true when stderr is a terminal of this process: progress bars are drawn there; otherwise nothing is */
  tty: boolean;
  /** the command's exit code, once it decided one (a failure it reports itself, such as a failed job in a sweep) */
  exitCode: number;
  /**
   * Resolves once `out` can take more: a command that writes without end (an audit export) waits on it between pages,
   * so a slow reader of a pipe holds the command back instead of filling its memory.
   */
  drained: () => Promise<void>;
  /** true once the output's reader has gone (`bridge audit | head`): a command that writes without end stops */
  outputClosed: () => boolean;
}

/** Prints a line on the context's output. */
export function println(ctx: CliContext, text: string): void {
  ctx.out(`${text}\n`);
}

/** A usage mistake the command found itself (commander finds the others): exit code 2, the message on stderr. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
