/** Why a file operation failed, in words (`no such file or directory`), not an errno code. */
export function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ELOOP': return 'too many symbolic links';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case 'ENOSPC': return 'no space left on the device';
    case 'EROFS': return 'read-only file system';
    case 'ENXIO': return 'no device or address to read (a socket cannot be read as a file)';
    case 'EFBIG': return 'larger than 1 GiB, the most an input is read to (is it a device?)';
    default: return code ?? String((e as Error)?.message ?? e);
  }
}
