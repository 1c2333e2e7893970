import { statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { InputHost } from '../input/readInputs.js';
import { ioReason } from '../util/ioReason.js';
import { readWhole } from '../util/readWhole.js';
import type { Io } from './io.js';

/** How much of a side's input decides what it is (a dump, or manifests). */
const HEAD_BYTES = 4096;

/** How a diff reads its sides: standard input, and named files. */
export type SideReads = Required<Pick<InputHost, 'readStdin' | 'readFile'>>;

/**
 * A diff's inputs, each read whole the first time a side wants it where it cannot be read twice:
 * standard input, and a named file that is not a plain file (a pipe, as `<(iptables-save)` gives).
 * Its head then decides what it holds and the same bytes are read as that. Plain files are read
 * afresh each time (a large manifest is not kept).
 */
export function sideReads(io: Pick<Io, 'readStdin'>): SideReads {
  let stdin: Promise<Buffer> | undefined;
  const once = new Map<string, { bytes?: Buffer; error?: unknown }>();
  const readOnce = (abs: string): Buffer => {
    let got = once.get(abs);
    if (!got) {
      try {
        got = { bytes: readWhole(abs) };
      } catch (error) {
        got = { error };
      }
      once.set(abs, got);
    }
    if (got.bytes) return got.bytes;
    throw got.error;
  };
  return {
    readStdin: () => (stdin ??= io.readStdin()),
    readFile: (abs) => (isPlainFile(abs) ? readWhole(abs) : readOnce(abs)),
  };
}

/** Whether a path leads to a plain file; false for anything else, and for a path that cannot be looked at. */
function isPlainFile(abs: string): boolean {
  try {
    return statSync(abs).isFile();
  } catch {
    return false;
  }
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
export async function readSideHead(path: string, cwd: string, reads: SideReads): Promise<Buffer | undefined> {
  const abs = isAbsolute(path) ? path : join(cwd, path);
  try {
    if (path === '-') return (await reads.readStdin()).subarray(0, HEAD_BYTES);
    const st = await stat(abs);
    if (st.isDirectory()) return undefined;
    // A pipe gives its bytes once: they are read whole now, and kept for reading the side.
    if (!st.isFile()) return reads.readFile(abs).subarray(0, HEAD_BYTES);
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
export async function readSideText(path: string, cwd: string, reads: SideReads, diagnostics: Diagnostic[]): Promise<string | undefined> {
  try {
    return (path === '-' ? await reads.readStdin() : reads.readFile(isAbsolute(path) ? path : join(cwd, path))).toString('utf8');
  } catch (e) {
    diagnostics.push(diag('KPC001', `cannot read ${shownName(path)}: ${ioReason(e)}`, { file: shownName(path) }));
    return undefined;
  }
}
