/**
 * Whether the running `git commit` amends: git does not tell pre-commit, so the process tree is read.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * Git does not tell pre-commit whether it is amending, but the result replaces HEAD, so the change must be
 * read against HEAD's parent. Walk up the process tree to the `git commit` that started the hook.
 */
export function detectAmend(startPid: number = process.ppid): boolean {
  let pid = startPid;
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    const info = processInfo(pid);
    if (!info) return false;
    const [cmd, ...rest] = info.argv;
    // The nearest git above the hook is the one committing (also through an alias such as `git ci`).
    if (cmd && /(^|\/)git(\.exe)?$/.test(cmd)) return rest.includes("--amend");
    pid = info.ppid;
  }
  return false;
}

function processInfo(pid: number): { ppid: number; argv: string[] } | null {
  try {
    // Linux: /proc/<pid>/stat is "pid (comm) state ppid ...", comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return { ppid, argv };
  } catch {
    // macOS and others: `ps -o ppid=,args= -p PID` prints "  123 git commit --amend".
    const r = spawnSync("ps", ["-o", "ppid=,args=", "-p", String(pid)], { encoding: "utf8" });
    const m = /^\s*(\d+)\s+(.*)$/.exec(r.stdout?.trim() ?? "");
    if (!m) return null;
    return { ppid: Number(m[1]), argv: (m[2] ?? "").split(/\s+/) };
  }
}
