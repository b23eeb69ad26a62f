/**
 * What a command that writes the index tells the user about the index's one writer: whom it waits
 * for, and a damaged index it moved aside (src/index/writerLock.ts decides; this file only speaks).
 */
import type { WriterEvents } from "../index/writerLock.js";
import { stderrColors } from "../report/colors.js";
import { messages } from "../report/messages.js";
import { sanitizeLine } from "../report/sanitize.js";

export function writerEvents(
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): WriterEvents {
  const c = stderrColors();
  return {
    waiting: (holder) =>
      write(
        messages.writerWaiting(
          c,
          holder && {
            pid: holder.pid,
            host: sanitizeLine(holder.host),
            command: sanitizeLine(holder.command),
            since: sanitizeLine(holder.since),
          },
        ),
      ),
    movedAside: (m) => write(messages.indexMovedAside(c, sanitizeLine(m.reason), sanitizeLine(m.file))),
  };
}
