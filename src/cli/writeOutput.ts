import { closeSync, openSync, writeSync } from 'node:fs';
import { realpath, rename, stat, writeFile, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';

/**
 * Output produced piece by piece: calls `write` with each chunk. A chunk is written before `write`
 * returns, so the producer may reuse its buffer: a large output never sits in memory whole.
 */
export type ChunkProducer = (write: (chunk: Buffer) => void) => void;

/**
 * Writes `content` to `file` atomically: a temporary file beside it, then a rename. A symlink is
 * written through (its target is replaced), and what is not a regular file (a FIFO, a device
 * such as /dev/stdout) is written to in place: a rename would replace it for everyone.
 */
export async function writeAtomically(file: string, content: string | ChunkProducer, cwd: string): Promise<void> {
  const given = isAbsolute(file) ? file : join(cwd, file);
  const target = await realpath(given).catch(() => given);
  const existing = await stat(target).catch(() => undefined);
  if (existing && !existing.isFile()) return writeTo(target, content);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeTo(tmp, content);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

async function writeTo(path: string, content: string | ChunkProducer): Promise<void> {
  if (typeof content === 'string') await writeFile(path, content);
  else writeChunks(path, content);
}

/** Synchronous writes, since the producer reuses a chunk's buffer once `write` returns. */
function writeChunks(path: string, produce: ChunkProducer): void {
  const fd = openSync(path, 'w');
  try {
    produce((chunk) => {
      for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done);
    });
  } finally {
    closeSync(fd);
  }
}
