/** The world the CLI may touch; `bin/` passes the real process, tests pass buffers. */
export interface Io {
  /** Text, or UTF-8 bytes (a large output is passed as its rendered chunks, never decoded to a string). */
  readonly stdout: (text: string | Uint8Array) => void;
  readonly stderr: (text: string) => void;
  /** Reads all of standard input; called only when a path is `-` (or names it, see isStdin). */
  readonly readStdin: () => Promise<Buffer>;
  /** Whether a path names this process's standard input (/dev/stdin, /proc/self/fd/0): it is then read as `-`. */
  readonly isStdin?: (abs: string) => boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** True when stdout is a terminal (colour is then allowed). */
  readonly stdoutIsTTY: boolean;
  /**
   * Present when stdout is a regular file (`> rules.txt`): a large output is then written to it
   * chunk by chunk as it is rendered instead of being held whole first, and a write that fails
   * part-way is undone (see StdoutFile).
   */
  readonly stdoutFile?: StdoutFile;
}

/** Stdout as a regular file: synchronous writes, and a way back to what the file held before. */
export interface StdoutFile {
  /** Writes all of `chunk` before returning (so its buffer may be reused). */
  write(chunk: Uint8Array): void;
  /** Cuts the file back to its size before the first write (best effort: it may itself fail). */
  rollback(): void;
}

/** An Io that records everything written, for in-process tests. */
export function bufferIo(stdin = '', env: Record<string, string | undefined> = {}, cwd = process.cwd()): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => { out += typeof t === 'string' ? t : Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('utf8'); },
    stderr: (t) => { err += t; },
    readStdin: async () => Buffer.from(stdin),
    env,
    cwd,
    stdoutIsTTY: false,
    out: () => out,
    err: () => err,
  };
}
