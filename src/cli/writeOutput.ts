import { rename, writeFile, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';

/** Writes `text` to `file` atomically: a temporary file beside it, then a rename. */
export async function writeAtomically(file: string, text: string, cwd: string): Promise<void> {
  const target = isAbsolute(file) ? file : join(cwd, file);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
