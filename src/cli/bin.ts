import { fstatSync, ftruncateSync, statSync, writeSync } from 'node:fs';
import type { StdoutFile } from './io.js';
import { diag, formatDiagnostic } from '../diagnostics/diagnostic.js';
import { ioReason } from '../util/ioReason.js';
import { READ_LIMIT, tooLarge } from '../util/readWhole.js';
import { main } from './main.js';
import { EXIT_USAGE } from './report.js';

/** Stdout when it is a regular file; undefined for a terminal, a pipe or anything else. */
function regularFileStdout(): StdoutFile | undefined {
  let size: number;
  try {
    const st = fstatSync(1);
    if (!st.isFile()) return undefined;
    size = st.size;
  } catch {
    return undefined;
  }
  return {
    write: (chunk) => {
      for (let done = 0; done < chunk.length; ) done += writeSync(1, chunk, done);
    },
    rollback: () => {
      try {
        ftruncateSync(1, size);
      } catch {
        // Nothing more can be done about the file; the error that led here is reported.
      }
    },
  };
}

function stdinIsDirectory(): boolean {
  try {
    return fstatSync(0).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Whether a path leads to what standard input is (/dev/stdin, /proc/self/fd/0, or the file it was
 * redirected from): the same device and inode. A directory never counts (it is walked).
 */
function namesStdin(abs: string): boolean {
  try {
    const input = fstatSync(0);
    const named = statSync(abs);
    return !named.isDirectory() && named.dev === input.dev && named.ino === input.ino;
  } catch {
    return false;
  }
}

/** Runs the CLI against the real process; the only place that touches `process`. */
export async function runProcess(): Promise<void> {
  // A closed pipe (`kproxy-compile … | head`) ends the run quietly, as other command-line tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    // Any other failed write (a full disk, /dev/full) is the output's problem, said as for a file.
    process.stderr.write(`${formatDiagnostic(diag('KPC001', `cannot write to standard output: ${ioReason(e)}`, { file: '<stdout>' }))}\n`);
    process.exit(EXIT_USAGE);
  });
  const chunks: Buffer[] = [];
  const code = await main(process.argv.slice(2), {
    stdout: (t) => { process.stdout.write(t); },
    stderr: (t) => { process.stderr.write(t); },
    readStdin: async () => {
      // A directory given as standard input (`< /tmp`) reads as nothing: say what it is instead.
      if (stdinIsDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      let total = 0;
      for await (const c of process.stdin) {
        total += (c as Buffer).length;
        // `< /dev/zero` would go on for ever: refused as a file past the limit is.
        if (total > READ_LIMIT) throw tooLarge();
        chunks.push(c as Buffer);
      }
      return Buffer.concat(chunks);
    },
    isStdin: namesStdin,
    env: process.env,
    cwd: process.cwd(),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stdoutFile: regularFileStdout(),
  });
  process.exitCode = code;
}
