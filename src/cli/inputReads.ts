import { realpathSync, statSync } from 'node:fs';
import type { InputHost } from '../input/readInputs.js';
import { readWhole } from '../util/readWhole.js';
import type { Io } from './io.js';

/** How a command reads its inputs: standard input, named files, and which names are standard input. */
export type InputReads = Required<Pick<InputHost, 'readStdin' | 'readFile' | 'isStdin'>>;

/**
 * A command's inputs, each read whole the first time it is wanted where it cannot be read twice:
 * standard input (also when named, as /dev/stdin), and a named file that is not a plain file (a
 * pipe, as `<(iptables-save)` gives), kept by its real path so that two names of one pipe read
 * the same bytes. A diff side's head then decides what it holds and the same bytes are read as
 * that; a churn's --config is read once per state. Plain files are read afresh each time (a large
 * manifest is not kept).
 */
export function inputReads(io: Pick<Io, 'readStdin' | 'isStdin'>): InputReads {
  let stdin: Promise<Buffer> | undefined;
  const readStdin = () => (stdin ??= io.readStdin());
  const isStdin = (abs: string) => io.isStdin?.(abs) === true;
  const once = new Map<string, { bytes?: Buffer; error?: unknown }>();
  const readOnce = (abs: string): Buffer => {
    const key = realPath(abs);
    let got = once.get(key);
    if (!got) {
      try {
        got = { bytes: readWhole(abs) };
      } catch (error) {
        got = { error };
      }
      once.set(key, got);
    }
    if (got.bytes) return got.bytes;
    throw got.error;
  };
  return {
    readStdin,
    isStdin,
    readFile: async (abs) => (isStdin(abs) ? readStdin() : isPlainFile(abs) ? readWhole(abs) : readOnce(abs)),
  };
}

function realPath(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/** Whether a path leads to a plain file; false for anything else, and for a path that cannot be looked at. */
export function isPlainFile(abs: string): boolean {
  try {
    return statSync(abs).isFile();
  } catch {
    return false;
  }
}
