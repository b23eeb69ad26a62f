import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IndexStore } from "../../src/index/store.js";

/** A temp folder removed when the test ends. */
export function tempDir(t: { after(fn: () => void | Promise<void>): void }, prefix = "dejafix-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(async () => {
    // A post-commit hook may still be updating the index in the background (detached, as in real use):
    // wait for the processes working in the folder, then remove it.
    await quiet(dir, 120_000);
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  });
  return dir;
}

/** Waits until no process runs in `dir` or names it on its command line (Linux /proc; elsewhere at once). */
export async function quiet(dir: string, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  const busy = (): boolean => {
    let pids: string[];
    try {
      pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
    } catch {
      return false;
    }
    return pids.some((pid) => {
      try {
        if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) return true;
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
      } catch {
        return false;
      }
    });
  };
  while (busy() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
}

export function gitOut(cwd: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" },
  });
}

/** Owner sha of every line of `path` at `rev` by `git blame -w` itself. */
export function blameShas(cwd: string, rev: string, path: string): string[] {
  const out = gitOut(cwd, ["blame", "-w", "--porcelain", rev, "--", path]);
  const owners: string[] = [];
  let header = true;
  for (const line of out.split("\n")) {
    if (header) {
      if (/^[0-9a-f]{40} \d+ \d+/.test(line)) {
        owners.push(line.slice(0, 40));
        header = false;
      }
    } else if (line.startsWith("\t")) header = true;
  }
  return owners;
}

/** Compares the index's saved line ownership at its tip with `git blame -w` for every text file. */
export function compareWithBlame(
  repo: string,
  store: IndexStore,
  repoId: number,
  tip: string,
): { files: number; lines: number; mismatches: string[] } {
  const shaOf = new Map<number, string>();
  for (const [sha, id] of store.commitIds(repoId)) shaOf.set(id, sha);
  const state = store.loadTipState(repoId, tip);
  const mismatches: string[] = [];
  let files = 0;
  let lines = 0;
  for (const [path, s] of state) {
    if (s.owners.length === 0) continue; // binary or empty
    const blame = blameShas(repo, tip, path);
    files++;
    lines += blame.length;
    if (blame.length !== s.owners.length) {
      mismatches.push(`${path}: ${s.owners.length} lines in the index, ${blame.length} by blame`);
      continue;
    }
    blame.forEach((sha, i) => {
      const ours = shaOf.get(s.owners[i] as number);
      if (ours !== sha)
        mismatches.push(`${path}:${i + 1}: index ${ours?.slice(0, 10)} blame ${sha.slice(0, 10)}`);
    });
  }
  return { files, lines, mismatches };
}
