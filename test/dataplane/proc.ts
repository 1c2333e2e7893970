// Child-process plumbing for the data-plane harness: every command has a hard time limit and
// its stderr ends up in the error message.
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** Runs argv to completion; resolves stdout, rejects with the command, exit status and stderr. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {});
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(' ')}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      const why = timedOut ? `killed after ${timeoutMs} ms` : `exit ${code ?? signal}`;
      reject(new Error(`${argv.join(' ')} failed (${why}): ${stderr.trim() || stdout.trim()}`));
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Starts a long-running argv and resolves once it prints `readyLine`, or rejects after `timeoutMs`. */
export function startUntilReady(argv: readonly string[], readyLine: string, timeoutMs: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // stdin stays an open pipe: the child exits on its own when this process goes away.
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not become ready (${why}): ${stderr.trim()}`));
    };
    const timer = setTimeout(() => fail(`no "${readyLine}" within ${timeoutMs} ms`), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!settled && stdout.split('\n').includes(readyLine)) {
        settled = true;
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {});
    child.on('error', (err) => fail(err.message));
    child.on('exit', (code, signal) => fail(`exited with ${code ?? signal}`));
  });
}

/** True when a process with this pid exists (signal 0 probes without delivering anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
