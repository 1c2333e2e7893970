import { closeSync, openSync, writeSync } from 'node:fs';
import { rename, writeFile, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';

/**
 * Output produced piece by piece: calls `write` with each chunk. A chunk is written before `write`
 * returns, so the producer may reuse its buffer: a large output never sits in memory whole.
 */
export type ChunkProducer = (write: (chunk: Buffer) => void) => void;

/** Writes `content` to `file` atomically: a temporary file beside it, then a rename. */
export async function writeAtomically(file: string, content: string | ChunkProducer, cwd: string): Promise<void> {
  const target = isAbsolute(file) ? file : join(cwd, file);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    if (typeof content === 'string') await writeFile(tmp, content);
    else writeChunks(tmp, content);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
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
