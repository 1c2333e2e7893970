import { closeSync, openSync, writeSync } from 'node:fs';
import { realpath, rename, stat, writeFile, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';

/**
 * Output produced piece by piece: calls `write` with each chunk. A chunk is written before `write`
 * returns, so the producer may reuse its buffer: a large output never sits in memory whole.
 */
export type ChunkProducer = (write: (chunk: Buffer) => void) => void;

/** A name of an open file descriptor of this process (/dev/stdout, /dev/fd/3, /proc/self/fd/1). */
const DESCRIPTOR = /^\/(dev\/(stdout|stderr|fd\/\d+)|proc\/(self|thread-self|\d+)\/fd\/\d+)$/;

/**
 * Writes `content` to `file` atomically: a temporary file beside it, then a rename. A symlink is
 * written through (its target is replaced), and what is not a regular file (a FIFO, a device) is
 * written to in place: a rename would replace it for everyone. A descriptor's name (`-o
 * /dev/stdout >> log`) is written to as that descriptor is, after what it holds: replacing the
 * file it leads to would undo the shell's redirection (`>>` appends).
 */
export async function writeAtomically(file: string, content: string | ChunkProducer, cwd: string): Promise<void> {
  const given = isAbsolute(file) ? file : join(cwd, file);
  if (DESCRIPTOR.test(given)) return writeTo(given, content, 'a');
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

async function writeTo(path: string, content: string | ChunkProducer, flag: 'w' | 'a' = 'w'): Promise<void> {
  if (typeof content === 'string') await writeFile(path, content, { flag });
  else writeChunks(path, content, flag);
}

/** Synchronous writes, since the producer reuses a chunk's buffer once `write` returns. */
function writeChunks(path: string, produce: ChunkProducer, flag: 'w' | 'a'): void {
  const fd = openSync(path, flag);
  try {
    produce((chunk) => {
      for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done);
    });
  } finally {
    closeSync(fd);
  }
}
