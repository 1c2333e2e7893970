import { open, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { ioReason } from '../util/ioReason.js';
import type { InputReads } from './inputReads.js';

/** How much of a side's input decides what it is (a dump, or manifests). */
const HEAD_BYTES = 4096;

/** The name diagnostics give a side: standard input is `<stdin>`, as for manifests. */
export function shownName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

/**
 * The first bytes of a side's input (`-`: standard input), to tell a dump from manifests;
 * undefined for a directory or a path that cannot be read (reading it as manifests then reports
 * why). A large manifest is not read twice: only its head is read here.
 */
export async function readSideHead(path: string, cwd: string, reads: InputReads): Promise<Buffer | undefined> {
  const abs = isAbsolute(path) ? path : join(cwd, path);
  try {
    if (path === '-') return (await reads.readStdin()).subarray(0, HEAD_BYTES);
    const st = await stat(abs);
    if (st.isDirectory()) return undefined;
    // Standard input and pipes give their bytes once: they are read whole now, and kept for reading the side.
    if (!st.isFile() || reads.isStdin(abs)) return (await reads.readFile(abs)).subarray(0, HEAD_BYTES);
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
export async function readSideText(path: string, cwd: string, reads: InputReads, diagnostics: Diagnostic[]): Promise<string | undefined> {
  try {
    return (path === '-' ? await reads.readStdin() : await reads.readFile(isAbsolute(path) ? path : join(cwd, path))).toString('utf8');
  } catch (e) {
    diagnostics.push(diag('KPC001', `cannot read ${shownName(path)}: ${ioReason(e)}`, { file: shownName(path) }));
    return undefined;
  }
}
