import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** git with no system or global configuration: tests see the same git everywhere. */
export const ISOLATED_GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  LC_ALL: "C",
};

export function git(cwd: string, args: string[], input?: string): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: ISOLATED_GIT_ENV,
    input,
    maxBuffer: 1 << 26,
  });
}

let day = 0;
/** Commits the given files (null deletes one) as Ada, dated one day after the previous commit. */
export function commit(dir: string, files: Record<string, string | null>, message: string): string {
  for (const [p, content] of Object.entries(files)) {
    const file = path.join(dir, p);
    if (content === null) fs.rmSync(file);
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
  git(dir, ["add", "-A"]);
  day++;
  const date = `${1_700_000_000 + day * 86_400} +0000`;
  execFileSync("git", ["commit", "-q", "-m", message], {
    cwd: dir,
    env: {
      ...ISOLATED_GIT_ENV,
      GIT_AUTHOR_NAME: "Ada",
      GIT_AUTHOR_EMAIL: "ada@example.org",
      GIT_COMMITTER_NAME: "Ada",
      GIT_COMMITTER_EMAIL: "ada@example.org",
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  });
  return git(dir, ["rev-parse", "HEAD"]).trim();
}

/** A 15-line loop function (one block well above `clones.minLines`), named `name`: matching tests' test code. */
export function takeFunction(name: string): string {
  return `function ${name}(rows, limit) {
  const out = [];
  let seen = 0;
  for (const row of rows) {
    if (row.hidden) {
      continue;
    }
    seen += 1;
    if (seen > limit) {
      break;
    }
    out.push(row.value);
  }
  return out;
}
`;
}
