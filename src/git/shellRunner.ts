import { type ChildProcessByStdio, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import { GIT_BASE_ARGS, GitError, git, gitEnv } from "./run.js";

/*
 * Short git commands run one after another by one long-lived POSIX shell. Each spawn from the indexing
 * Node process blocks its event loop while the process is forked: 5–16 ms for a 400 MB process (measured
 * on eslint, 242 merge diffs: 3.9 s of the pass), where the shell, a few MB, forks git in well under a
 * millisecond and the Node process only writes a line.
 *
 * One request, as written to the shell's stdin (each argument single-quoted, `'` as `'\''`):
 *
 *   git '-c' 'core.quotepath=false' … 'diff-tree' '-r' … '--' ':(literal)a b.js'; r=$?
 *   printf '\0\0\001NONCE %d\n' "$r"; printf '\0\0\001NONCE\n' >&2
 *
 * stdout carries the command's output, then the marker with its exit code; stderr its messages, then a
 * marker, so that each answer's stderr is told apart without a file. NONCE is random per shell: git's
 * output (NUL-separated paths, text patches) cannot hold it.
 */

type Shell = ChildProcessByStdio<Writable, Readable, Readable>;

interface Pending {
  args: string[];
  resolve: (out: string) => void;
  reject: (e: Error) => void;
}

export interface GitShell {
  /** `git(cwd, args)` run by the shell: stdout as UTF-8, a `GitError` with git's stderr on failure. */
  run(args: string[]): Promise<string>;
  /** Ends the shell once the commands asked for have run. */
  close(): Promise<void>;
}

const quote = (arg: string): string => `'${arg.replace(/'/g, "'\\''")}'`;

/** Starts the shell in `cwd`. Where no shell can be started, every command runs as its own git process. */
export function gitShell(cwd: string): GitShell {
  const nonce = randomBytes(12).toString("hex");
  const outMarker = Buffer.from(`\0\0\x01${nonce} `, "latin1");
  const errMarker = `\0\0\x01${nonce}\n`;
  // Commands asked, and the two halves of their answers as they arrive (in the order asked).
  const queue: Pending[] = [];
  const outs: { stdout: string; code: number }[] = [];
  const errs: string[] = [];
  let failure: Error | null = null;
  let noShell = false;
  let closed = false;

  const settle = (): void => {
    while (queue.length > 0 && outs.length > 0 && errs.length > 0) {
      const p = queue.shift() as Pending;
      const { stdout, code } = outs.shift() as { stdout: string; code: number };
      const stderr = errs.shift() as string;
      if (code === 0) p.resolve(stdout);
      else p.reject(new GitError(p.args, code, code === 127 ? `cannot run git in ${cwd}` : stderr));
    }
  };
  const fail = (e: Error): void => {
    failure ??= e;
    for (const p of queue.splice(0)) p.reject(failure);
  };

  const shell = spawn("sh", [], { cwd, env: gitEnv(), stdio: ["pipe", "pipe", "pipe"] }) as Shell;
  // stdout so far, in a buffer that doubles when full: a merge diff of megabytes arrives in many chunks,
  // and copying all of it again on each one (or searching it again from its start) is quadratic.
  let out: Buffer = Buffer.allocUnsafe(1 << 16);
  let length = 0;
  // Where the next marker can start at the earliest: the bytes before were searched already.
  let searched = 0;
  shell.stdout.on("data", (chunk: Buffer) => {
    if (length + chunk.length > out.length) {
      const grown = Buffer.allocUnsafe(Math.max(out.length * 2, length + chunk.length));
      out.copy(grown, 0, 0, length);
      out = grown;
    }
    chunk.copy(out, length);
    length += chunk.length;
    for (;;) {
      const data = out.subarray(0, length);
      const at = data.indexOf(outMarker, searched);
      if (at < 0) {
        // A marker may straddle this chunk and the next: its start is searched again.
        searched = Math.max(0, length - outMarker.length + 1);
        return;
      }
      const nl = data.indexOf(10, at + outMarker.length);
      if (nl < 0) {
        searched = at;
        return;
      }
      outs.push({
        // Decoded now: the buffer is reused for the answers that follow.
        stdout: data.toString("utf8", 0, at),
        code: Number(data.toString("latin1", at + outMarker.length, nl)),
      });
      out.copy(out, 0, nl + 1, length);
      length -= nl + 1;
      searched = 0;
      // One huge answer does not keep its buffer for the rest of the pass.
      if (length === 0 && out.length > 1 << 22) out = Buffer.allocUnsafe(1 << 16);
      settle();
    }
  });
  let err = "";
  shell.stderr.setEncoding("utf8");
  shell.stderr.on("data", (chunk: string) => {
    err += chunk;
    for (;;) {
      const at = err.indexOf(errMarker);
      if (at < 0) return;
      errs.push(err.slice(0, at));
      err = err.slice(at + errMarker.length);
      settle();
    }
  });
  shell.stdin.on("error", (e) => fail(e));
  const exited = new Promise<void>((resolve) => {
    shell.on("error", (e) => {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        // No shell here: what was asked, and all that follows, runs as git processes of their own.
        noShell = true;
        for (const p of queue.splice(0)) git(cwd, p.args).then(p.resolve, p.reject);
      } else fail(e);
      resolve();
    });
    shell.on("close", (code, signal) => {
      fail(new Error(`the git shell ended (${code ?? signal ?? "unknown"})`));
      resolve();
    });
  });

  return {
    run(args: string[]): Promise<string> {
      if (noShell) return git(cwd, args);
      if (closed) return Promise.reject(new Error("the git shell is closed"));
      if (failure) return Promise.reject(failure);
      const command = ["git", ...[...GIT_BASE_ARGS, ...args].map(quote)].join(" ");
      return new Promise((resolve, reject) => {
        queue.push({ args, resolve, reject });
        shell.stdin.write(
          `${command}; r=$?\nprintf '\\0\\0\\001${nonce} %d\\n' "$r"; printf '\\0\\0\\001${nonce}\\n' >&2\n`,
        );
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (!noShell) shell.stdin.end();
      await exited;
    },
  };
}
