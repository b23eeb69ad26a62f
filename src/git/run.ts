import { type ChildProcessByStdio, execFile, spawn, spawnSync } from "node:child_process";
import type { Readable, Writable } from "node:stream";

/** Settings every dejafix git call uses: no pager, no colour, paths unquoted beyond what -z needs. */
export const GIT_BASE_ARGS = [
  "-c",
  "core.quotepath=false",
  "-c",
  "color.ui=false",
  "-c",
  "log.showSignature=false",
];
const BASE = GIT_BASE_ARGS;

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} failed (${code ?? "signal"}): ${stderr.trim().split("\n")[0] ?? ""}`);
    this.name = "GitError";
  }
}

/** Environment for git children: never prompt, never page, keep output in English for parsing. */
export function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat", LC_ALL: "C", GIT_OPTIONAL_LOCKS: "0" };
}

/** Runs git to completion and returns stdout as UTF-8. */
export function git(
  cwd: string,
  args: string[],
  opts: { input?: string; allowCodes?: number[] } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      [...BASE, ...args],
      { cwd, env: gitEnv(), maxBuffer: 1 << 30, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err ? ((err as NodeJS.ErrnoException & { code?: number | string }).code ?? null) : 0;
        if (typeof code === "string") {
          // The process never ran: no git on PATH, or the folder does not exist.
          reject(
            new GitError(
              args,
              null,
              code === "ENOENT" ? `cannot run git in ${cwd} (no such folder, or git is not installed)` : code,
            ),
          );
          return;
        }
        if (err && !(typeof code === "number" && opts.allowCodes?.includes(code))) {
          reject(new GitError(args, typeof code === "number" ? code : null, String(stderr)));
          return;
        }
        resolve(String(stdout));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/**
 * Runs git synchronously (a hook does one thing at a time and exits) with the same base flags and
 * environment as `git`, returning stdout as bytes; throws `GitError`.
 */
export function gitSync(cwd: string, args: string[], input?: string | Buffer): Buffer {
  const r = spawnSync("git", [...BASE, ...args], {
    cwd,
    env: gitEnv(),
    input,
    maxBuffer: 1 << 30,
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new GitError(
      args,
      null,
      code === "ENOENT"
        ? `cannot run git in ${cwd} (no such folder, or git is not installed)`
        : String(r.error),
    );
  }
  if (r.status !== 0) throw new GitError(args, r.status, r.stderr.toString("utf8"));
  return r.stdout;
}

/** `gitSync` as UTF-8 text. */
export function gitSyncText(cwd: string, args: string[], input?: string): string {
  return gitSync(cwd, args, input).toString("utf8");
}

/** `gitSyncText` trimmed, or null when git fails (a probe such as rev-parse of a maybe-missing ref). */
export function gitSyncMaybe(cwd: string, args: string[]): string | null {
  try {
    return gitSyncText(cwd, args).trim();
  } catch (e) {
    if (e instanceof GitError) return null;
    throw e;
  }
}

/** Like `git` but returns null instead of throwing (for probes such as rev-parse of a maybe-missing ref). */
export async function gitMaybe(cwd: string, args: string[]): Promise<string | null> {
  try {
    return await git(cwd, args);
  } catch (e) {
    if (e instanceof GitError) return null;
    throw e;
  }
}

export type GitChild = ChildProcessByStdio<Writable | null, Readable, Readable>;

/** Spawns a long-running git process whose stdout is streamed (one process for a whole pass). */
export function spawnGit(cwd: string, args: string[], withStdin = false): GitChild {
  return spawn("git", [...BASE, ...args], {
    cwd,
    env: gitEnv(),
    stdio: [withStdin ? "pipe" : "ignore", "pipe", "pipe"],
  }) as GitChild;
}

/** Resolves when the child exits; rejects with its stderr when the exit code is not 0. */
export function waitForExit(child: GitChild, args: string[]): Promise<void> {
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d: string) => {
    if (stderr.length < 65536) stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on("error", (e) => reject(e));
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new GitError(args, code, stderr || `terminated by ${signal ?? "unknown"}`));
    });
  });
}

/** A git process fed on stdin while it runs (`cat-file --batch`): stdout is collected whole, as bytes. */
export interface GitPipe {
  write(text: string): void;
  /** Closes stdin: git answers what it was given, then exits. */
  end(): void;
  /** All of stdout once git has exited 0; rejects with a `GitError` otherwise. */
  readonly output: Promise<Buffer>;
}

export function gitPipe(cwd: string, args: string[]): GitPipe {
  const child = spawnGit(cwd, args, true);
  const chunks: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => chunks.push(d));
  // git may exit before it reads everything (a failure): a write then must not throw EPIPE.
  child.stdin?.on("error", () => undefined);
  const output = waitForExit(child, args).then(
    () => Buffer.concat(chunks),
    (e: unknown) => {
      if (e instanceof GitError) throw e;
      // The process never ran: no git on PATH, or the folder does not exist.
      const code = (e as NodeJS.ErrnoException).code;
      throw new GitError(
        args,
        null,
        code === "ENOENT" ? `cannot run git in ${cwd} (no such folder, or git is not installed)` : String(e),
      );
    },
  );
  output.catch(() => undefined);
  return {
    write: (text) => {
      child.stdin?.write(text);
    },
    end: () => {
      child.stdin?.end();
    },
    output,
  };
}
