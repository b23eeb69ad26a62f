import { StringDecoder } from "node:string_decoder";
import { DIFF_FORMAT, LOG_FORMAT, LogParser, logArgs } from "./parseLog.js";
import { spawnGit, waitForExit } from "./run.js";
import type { CommitDiff } from "./types.js";

/** How much parsed-but-unconsumed output may wait in memory while git keeps writing ahead of us. */
// Parsed diffs take several times their text size in objects: 6 MB of text keeps memory well bounded
// while still letting git run ahead of the replay.
const READ_AHEAD_BYTES = 6 * 1024 * 1024;

/**
 * The one history pass: a single `git log` process whose output is parsed as it streams.
 * git writes ahead of the consumer (bounded by READ_AHEAD_BYTES) so both cores work: git producing
 * diffs while the miner replays line ownership.
 */
/** Hunks longer than this in the history pass keep only their counts: enough for line ownership. */
const MAX_HUNK_LINES = 20_000;

export function streamLog(repoDir: string, revs: string[]): AsyncGenerator<CommitDiff> {
  return streamDiffs(repoDir, [...logArgs(), ...revs, "--"], undefined, MAX_HUNK_LINES);
}

/**
 * Plain diffs (whitespace changes included) of chosen commits against their first parent, from one
 * `git diff-tree --stdin` process, in the order given. SZZ takes a fix's evidence from these: a defect
 * line the fix only re-indents (wrapped in a new `if`, say) is hidden by `-w` but is still evidence.
 * Three lines of context give the code around an insertion for fixes that only add lines.
 * `ignoreWhitespace` reads them with `-w` instead, as the history pass does; `context: 0` with it gives the
 * history pass's very lines (with -w, git may align a hunk differently under other context).
 */
export function streamPlainDiffs(
  repoDir: string,
  shas: string[],
  opts: { ignoreWhitespace?: boolean; context?: number } = {},
): AsyncGenerator<CommitDiff> {
  const args = [
    "diff-tree",
    "--stdin",
    "--always",
    "-r",
    ...DIFF_FORMAT,
    `-U${opts.context ?? 3}`,
    // As the history pass reads them, for token bags that must match the training data's.
    ...(opts.ignoreWhitespace ? ["-w"] : []),
    "--date=raw",
    `--format=${LOG_FORMAT}`,
  ];
  return streamDiffs(repoDir, args, shas.map((s) => `${s}\n`).join(""));
}

async function* streamDiffs(
  repoDir: string,
  args: string[],
  input?: string,
  maxHunkLines = Number.POSITIVE_INFINITY,
): AsyncGenerator<CommitDiff> {
  const child = spawnGit(repoDir, args, input !== undefined);
  if (input !== undefined && child.stdin) {
    child.stdin.on("error", () => undefined); // git exits early on failure; the exit code says why
    child.stdin.end(input);
  }
  const exited = waitForExit(child, args);
  const decoder = new StringDecoder("utf8");
  const parser = new LogParser(maxHunkLines);
  let queue: ({ diff: CommitDiff; size: number } | undefined)[] = [];
  let head = 0;
  let queuedBytes = 0;
  let ended = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const enqueue = (diffs: CommitDiff[], bytes: number): void => {
    // Attribute the chunk's size to its last commit: enough to bound memory.
    diffs.forEach((d, i) => {
      const size = i === diffs.length - 1 ? bytes : 0;
      queue.push({ diff: d, size });
      queuedBytes += size;
    });
    if (queuedBytes > READ_AHEAD_BYTES) child.stdout.pause();
    notify();
  };
  child.stdout.on("data", (chunk: Buffer) => {
    try {
      enqueue(parser.push(decoder.write(chunk)), chunk.length);
    } catch (e) {
      failure = e;
      child.kill();
      notify();
    }
  });
  child.stdout.on("end", () => {
    let last: CommitDiff[] = [];
    try {
      last = [...parser.push(decoder.end()), ...parser.end()];
    } catch (e) {
      failure = e;
    }
    exited.then(
      () => {
        // The last record is whole only if git finished: one cut short by a failure is never yielded.
        if (!failure) enqueue(last, 0);
        ended = true;
        notify();
      },
      (e: unknown) => {
        failure = e;
        ended = true;
        notify();
      },
    );
  });
  try {
    for (;;) {
      const item = queue[head];
      if (item) {
        queue[head] = undefined; // consumed diffs must not stay reachable from the queue
        head++;
        if (head > 1024 && head * 2 > queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        queuedBytes -= item.size;
        if (child.stdout.isPaused() && queuedBytes < READ_AHEAD_BYTES / 2) child.stdout.resume();
        yield item.diff;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    // Ended early (the consumer failed or stopped): git must not stay blocked on a full pipe.
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    // And gone when this returns: a pass that failed leaves no git behind, not even one being reaped.
    await exited.catch(() => undefined);
  }
}
