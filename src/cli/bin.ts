import { main } from './main.js';

/** Runs the CLI against the real process; the only place that touches `process`. */
export async function runProcess(): Promise<void> {
  // A closed pipe (`kproxy-compile … | head`) ends the run quietly, as other command-line tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const chunks: Buffer[] = [];
  const code = await main(process.argv.slice(2), {
    stdout: (t) => { process.stdout.write(t); },
    stderr: (t) => { process.stderr.write(t); },
    readStdin: async () => {
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    env: process.env,
    cwd: process.cwd(),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  });
  process.exitCode = code;
}
