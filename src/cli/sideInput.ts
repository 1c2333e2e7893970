import { open, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Io } from './io.js';
import { readTextFile } from './readTextFile.js';

/** How much of a side's input decides what it is (a dump, or manifests). */
const HEAD_BYTES = 4096;

/**
 * Standard input for a diff: read whole the first time a side wants it, so its head can decide
 * what it holds and the same bytes are then read as that.
 */
export function stdinOnce(io: Pick<Io, 'readStdin'>): Io['readStdin'] {
  let stdin: Promise<Buffer> | undefined;
  return () => (stdin ??= io.readStdin());
}

/** The name diagnostics give a side: standard input is `<stdin>`, as for manifests. */
export function shownName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

/**
 * The first bytes of a side's input (`-`: standard input), to tell a dump from manifests;
 * undefined for a directory or a path that cannot be read (reading it as manifests then reports
 * why). A large manifest is not read twice: only its head is read here.
 */
export async function readSideHead(path: string, cwd: string, readStdin: Io['readStdin']): Promise<Buffer | undefined> {
  if (path === '-') return (await readStdin()).subarray(0, HEAD_BYTES);
  const abs = isAbsolute(path) ? path : join(cwd, path);
  try {
    if (!(await stat(abs)).isFile()) return undefined;
    const file = await open(abs, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await file.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
}

/** The first line of a head that is neither blank nor (unless `comments`) a `#` comment, trimmed. */
export function firstLine(head: Buffer, comments = false): string | undefined {
  return head.toString('utf8').split('\n').map((l) => l.trim()).find((l) => l !== '' && (comments || !l.startsWith('#')));
}

/** A dump side's whole text, from its file or (for `-`) from standard input. */
export async function readSideText(path: string, cwd: string, readStdin: Io['readStdin'], diagnostics: Diagnostic[]): Promise<string | undefined> {
  if (path === '-') return (await readStdin()).toString('utf8');
  return readTextFile(path, cwd, diagnostics);
}
