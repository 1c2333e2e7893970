import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { ioReason } from '../util/ioReason.js';

/** Reads a text file relative to `cwd`; a failure becomes a KPC001 diagnostic and undefined. */
export async function readTextFile(path: string, cwd: string, diagnostics: Diagnostic[]): Promise<string | undefined> {
  try {
    return await readFile(isAbsolute(path) ? path : join(cwd, path), 'utf8');
  } catch (e) {
    diagnostics.push(diag('KPC001', `cannot read ${path}: ${ioReason(e)}`, { file: path }));
    return undefined;
  }
}
