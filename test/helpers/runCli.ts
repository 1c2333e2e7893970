import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process, as `kproxy-compile ...args`. */
export async function runCli(args: readonly string[], opts: { stdin?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  const io = bufferIo(opts.stdin ?? '', opts.env ?? {}, opts.cwd ?? process.cwd());
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}
