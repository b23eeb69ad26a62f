/**
 * A JSON Lines file written whole or not at all: lines go to `<out>.partial-<pid>` in batches and the file is
 * renamed over `out` only once every line is written, so a shard's part, a dataset or a merge is never seen half
 * written, and a failed run leaves nothing behind.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";

export interface LineSink {
  write(line: string): void;
}

export async function writeLinesAtomically<T>(out: string, fill: (sink: LineSink) => Promise<T>): Promise<T> {
  const partial = `${out}.partial-${process.pid}`;
  const fd = openSync(partial, "w");
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    writeSync(fd, `${pending.join("\n")}\n`);
    pending = [];
  };
  try {
    const result = await fill({
      write(line) {
        pending.push(line);
        if (pending.length >= 512) flush();
      },
    });
    flush();
    closeSync(fd);
    renameSync(partial, out);
    return result;
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(partial, { force: true });
    throw error;
  }
}
