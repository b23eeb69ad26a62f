import { type GitChild, spawnGit, waitForExit } from "./run.js";

/*
 * One long-lived `git cat-file --batch` process reads every blob a pass needs (never one git process
 * per file). Requests are object names, one per line on stdin; answers come back in the same order
 * (https://git-scm.com/docs/git-cat-file#_batch_output):
 *
 *   3b18e512dba79e4c8300dd08aeb37f8e728b8dad blob 12\n
 *   hello world\n          <- exactly 12 bytes of content, then one LF
 *   0000000000000000000000000000000000000000 missing\n
 */

const ZERO = /^0+$/;

/**
 * One long-lived `git cat-file --batch*` process: object names go in one a line, answers come back in the same
 * order and are handed out with `answer`. A git that fails rejects every read still waiting.
 */
function batchPipe<T>(repoDir: string, args: string[]) {
  const child: GitChild = spawnGit(repoDir, args, true);
  const stdin = child.stdin!;
  const exited = waitForExit(child, args);
  const queue: { resolve: (answer: T | null) => void; reject: (e: Error) => void }[] = [];
  let failure: Error | null = null;
  let corked = false;
  const fail = (err: Error): void => {
    failure = err;
    for (const p of queue.splice(0)) p.reject(err);
  };
  exited.catch(fail);
  stdin.on("error", (e) => fail(e));
  return {
    stdout: child.stdout,
    fail,
    answer(value: T | null): void {
      queue.shift()?.resolve(value);
    },
    request(oid: string): Promise<T | null> {
      if (failure) return Promise.reject(failure);
      // An all-zero id is git's "no such side" (an added file's old blob): nothing to read.
      if (ZERO.test(oid)) return Promise.resolve(null);
      if (!/^[0-9a-f]{4,64}$/i.test(oid)) return Promise.reject(new Error(`not an object id: ${oid}`));
      return new Promise((resolve, reject) => {
        queue.push({ resolve, reject });
        // The names asked in one tick go to git in one write: each write wakes git, which costs most
        // under load (a fix's files are asked together).
        if (!corked) {
          corked = true;
          stdin.cork();
          process.nextTick(() => {
            corked = false;
            stdin.uncork();
          });
        }
        stdin.write(`${oid}\n`);
      });
    },
    async close(): Promise<void> {
      stdin.end();
      await exited.catch(() => undefined);
    },
  };
}

export interface CatFile {
  /** Content of a blob (or any object), or null when the object does not exist. */
  read(oid: string): Promise<Buffer | null>;
  /** Ends the git process; pending reads are answered first. */
  close(): Promise<void>;
}

/** Starts `git cat-file --batch` in `repoDir`; reads may be issued concurrently (they are pipelined). */
export function catFile(repoDir: string): CatFile {
  const pipe = batchPipe<Buffer>(repoDir, ["cat-file", "--batch"]);
  let buffer: Buffer = Buffer.alloc(0);

  // Parses as many complete answers as the buffer holds.
  const drain = (): void => {
    for (;;) {
      const nl = buffer.indexOf(10);
      if (nl < 0) return;
      const header = buffer.toString("latin1", 0, nl);
      const parts = header.split(" ");
      if (parts[1] === "missing" || parts[1] === "ambiguous") {
        buffer = buffer.subarray(nl + 1);
        pipe.answer(null);
        continue;
      }
      const size = Number(parts[2]);
      if (parts.length !== 3 || !Number.isInteger(size)) {
        pipe.fail(new Error(`git cat-file --batch printed an unexpected header: ${header.slice(0, 80)}`));
        return;
      }
      if (buffer.length < nl + 1 + size + 1) return; // content not complete yet
      const content = Buffer.from(buffer.subarray(nl + 1, nl + 1 + size));
      buffer = buffer.subarray(nl + 1 + size + 1);
      pipe.answer(content);
    }
  };
  pipe.stdout.on("data", (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    drain();
  });
  return { read: (oid) => pipe.request(oid), close: () => pipe.close() };
}

export interface ObjectInfo {
  type: string;
  size: number;
}

export interface CatFileCheck {
  /** Type and size of an object, or null when git cannot find it. */
  info(oid: string): Promise<ObjectInfo | null>;
  close(): Promise<void>;
}

/**
 * One long-lived `git cat-file --batch-check`: sizes before contents, so a huge binary is never read
 * just to learn it is binary. Answers, one line per request: `<oid> blob 1234` or `<oid> missing`.
 */
export function catFileCheck(repoDir: string): CatFileCheck {
  const pipe = batchPipe<ObjectInfo>(repoDir, ["cat-file", "--batch-check"]);
  let rest = "";
  pipe.stdout.setEncoding("latin1");
  pipe.stdout.on("data", (chunk: string) => {
    rest += chunk;
    for (let nl = rest.indexOf("\n"); nl >= 0; nl = rest.indexOf("\n")) {
      const parts = rest.slice(0, nl).split(" ");
      rest = rest.slice(nl + 1);
      const size = Number(parts[2]);
      pipe.answer(parts.length === 3 && Number.isInteger(size) ? { type: parts[1] ?? "", size } : null);
    }
  });
  return { info: (oid) => pipe.request(oid), close: () => pipe.close() };
}
