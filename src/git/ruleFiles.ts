/**
 * Every rules file of the work tree, for `dejafix rules check`: the team's `.dejafix/rules.yml` of the
 * repository and of its packages, and the personal `.dejafix/rules.local.yml` files, with whether git
 * ignores each (a personal file must never be committed by mistake).
 *
 * `git ls-files -z --cached --others` lists tracked and untracked files alike, ignored ones included
 * (no --exclude-standard); `git check-ignore -z --stdin` prints the ones .gitignore or info/exclude covers
 * (exit 1 when none is).
 */
import { git } from "./run.js";

export interface RuleFile {
  /** Relative to the top level, with forward slashes. */
  path: string;
  personal: boolean;
  ignored: boolean;
}

export async function findRuleFiles(top: string): Promise<RuleFile[]> {
  const out = await git(top, [
    "ls-files",
    "-z",
    "--cached",
    "--others",
    "--",
    ":(glob)**/.dejafix/rules.yml",
    ":(glob)**/.dejafix/rules.local.yml",
  ]);
  const paths = [...new Set(out.split("\0").filter((p) => p && !p.split("/").includes("node_modules")))];
  const personal = paths.filter((p) => p.endsWith("/rules.local.yml"));
  const ignored = new Set(
    personal.length === 0
      ? []
      : (
          await git(top, ["check-ignore", "-z", "--stdin"], {
            input: `${personal.join("\0")}\0`,
            allowCodes: [1],
          })
        )
          .split("\0")
          .filter(Boolean),
  );
  return paths
    .sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b))
    .map((p) => ({ path: p, personal: p.endsWith("/rules.local.yml"), ignored: ignored.has(p) }));
}
