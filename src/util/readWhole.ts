import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The most bytes one input is read to: past it the input is refused, not read on without end. */
export const READ_LIMIT = 2 ** 30;

/** The error a read past READ_LIMIT fails with (see ioReason). */
export function tooLarge(): NodeJS.ErrnoException {
  return Object.assign(new Error('input larger than 1 GiB'), { code: 'EFBIG' });
}

/**
 * A file's bytes, whole. A plain file is read to its size; anything else that can be opened (a
 * pipe such as `<(iptables-save)`, a device) is read to its end, and one that goes on past
 * READ_LIMIT (`/dev/zero`) fails with EFBIG instead of filling the memory. Errors are the file
 * system's (ENOENT, EISDIR …), thrown.
 */
export function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (st.isFile() && st.size > READ_LIMIT) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    // A plain file's size is the first guess; it is read on to its end in case it grew.
    let size = st.isFile() && st.size > 0 ? st.size : 65536;
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const n = readSync(fd, buf, filled, size - filled, null);
        if (n === 0) break;
        filled += n;
      }
      total += filled;
      if (total > READ_LIMIT) throw tooLarge();
      if (filled > 0) chunks.push(filled === size ? buf : buf.subarray(0, filled));
      if (filled < size) break;
      size = 65536;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
