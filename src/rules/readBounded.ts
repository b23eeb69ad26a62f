/**
 * Reads a small settings file without ever waiting on it: only a regular file, only up to a size.
 *
 * A rules file is committed by anyone with push access, so it can be a FIFO (open() blocks until a writer
 * comes), a link to /dev/zero (reads forever), a directory, or 10 MB of YAML that takes a minute to parse.
 * The file is checked with stat before it is opened, opened non-blocking (a FIFO swapped in meanwhile opens
 * at once), checked again with fstat on the open descriptor, and read with a bound.
 */
import fs from "node:fs";

export class FileShapeError extends Error {
  override readonly name = "FileShapeError";
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function checkShape(st: fs.Stats, maxBytes: number): void {
  if (!st.isFile()) throw new FileShapeError(`is ${kindOf(st)}`);
  if (st.size > maxBytes) throw new FileShapeError(`is ${st.size} bytes`);
}

/**
 * The UTF-8 text of `file` when it is a regular file of at most `maxBytes` bytes (a symbolic link is
 * followed to what it names). Throws FileShapeError, whose message says what the file is ("is a
 * directory", "is 10485760 bytes"), for anything else, and the usual errno error (ENOENT, EACCES)
 * when the file cannot be opened.
 */
export function readRegularFile(file: string, maxBytes: number): string {
  checkShape(fs.statSync(file), maxBytes);
  // O_NONBLOCK: a FIFO put in its place between stat and open must not block the open.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = fs.fstatSync(fd);
    checkShape(st, maxBytes);
    // One byte more than fstat said, so that a file that grew meanwhile is seen (and still bounded).
    let buf = Buffer.allocUnsafe(st.size + 1);
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        if (buf.length > maxBytes) throw new FileShapeError(`grew past ${maxBytes} bytes while it was read`);
        buf = Buffer.concat([buf, Buffer.allocUnsafe(maxBytes + 1 - buf.length)]);
      }
      const n = fs.readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
    }
    return buf.toString("utf8", 0, total);
  } finally {
    fs.closeSync(fd);
  }
}
