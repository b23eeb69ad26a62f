/**
 * The hook's deadline (src/hooks/watchdog.ts) in a process of its own, as the hook runner uses it: a main
 * thread that never yields is ended at the deadline with one notice; one that settles in time is left
 * alone, with nothing printed and nothing of the watcher left running or holding stderr open; the decision's
 * folder is removed either way; a temp folder that cannot be written still gets the budget enforced.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { tempDir } from "./helpers/repo.js";

const WATCHDOG = pathToFileURL(join(import.meta.dirname, "..", "src", "hooks", "watchdog.js")).href;

/**
 * A script that starts the watchdog `ms` from now, then spins (never yielding) or settles at once; `kind`
 * picks the watcher (startWatchdog: the shell's here, the thread on Windows).
 */
function script(
  dir: string,
  ms: number,
  then: "spin" | "settle",
  kind: "startWatchdog" | "threadWatchdog" = "startWatchdog",
): string {
  const file = join(dir, `${then}-${kind}.mjs`);
  writeFileSync(
    file,
    `import { ${kind} as start } from ${JSON.stringify(WATCHDOG)};
const d = start(Date.now() + ${ms}, "the notice, once");
if (${JSON.stringify(then)} === "spin") { for (;;) {} }
const s = d.settle();
process.stdout.write(s + " " + d.settle());
`,
  );
  return file;
}

function run(file: string, tmp: string) {
  // The test's own limit: a watcher left holding stderr open would keep this waiting for a minute.
  return spawnSync(process.execPath, [file], {
    encoding: "utf8",
    env: { ...process.env, TMPDIR: tmp },
    timeout: 30_000,
  });
}

function leftovers(tmp: string): string[] {
  try {
    return readdirSync(tmp).filter((f) => f.startsWith("dejafix-deadline-"));
  } catch {
    return [];
  }
}

describe("the hook's deadline", () => {
  test("a main thread that never yields is ended at the deadline, with the notice once", (t) => {
    const dir = tempDir(t, "dejafix-watchdog-");
    const tmp = join(dir, "tmp");
    mkdirSync(tmp);
    const r = run(script(dir, 300, "spin"), tmp);
    assert.equal(r.error, undefined);
    assert.equal(r.signal, "SIGALRM");
    assert.equal(r.stderr, "the notice, once\n");
    assert.deepEqual(leftovers(tmp), []);
  });

  test("a hook that settles in time decides: no notice, and nothing of the watcher is left", (t) => {
    const dir = tempDir(t, "dejafix-watchdog-");
    const tmp = join(dir, "tmp");
    mkdirSync(tmp);
    const r = run(script(dir, 60_000, "settle"), tmp);
    assert.equal(r.error, undefined, "stderr was closed when the hook ended");
    assert.equal(r.status, 0);
    assert.equal(r.stdout, "on-time on-time");
    assert.equal(r.stderr, "");
    assert.deepEqual(leftovers(tmp), []);
    const watchers = spawnSync("ps", ["-eo", "args"], { encoding: "utf8" })
      .stdout.split("\n")
      .filter((l) => l.includes("dejafix-watchdog") && l.includes(tmp));
    assert.deepEqual(watchers, []);
  });

  test("past the deadline, a hook that settles before the watcher fires decides it is late", (t) => {
    const dir = tempDir(t, "dejafix-watchdog-");
    const tmp = join(dir, "tmp");
    mkdirSync(tmp);
    const r = run(script(dir, -1, "settle"), tmp);
    assert.equal(r.error, undefined);
    // Either the hook settled first ("late": it prints the notice itself) or the watcher fired first.
    if (r.signal === "SIGALRM") assert.equal(r.stderr, "the notice, once\n");
    else assert.deepEqual([r.stdout, r.stderr], ["late late", ""]);
    assert.deepEqual(leftovers(tmp), []);
  });

  test("with a temp folder that does not exist, the deadline is still enforced and kept", (t) => {
    const dir = tempDir(t, "dejafix-watchdog-");
    const missing = join(dir, "no-such-folder");
    const spun = run(script(dir, 300, "spin"), missing);
    assert.equal(spun.signal, "SIGALRM");
    assert.equal(spun.stderr, "the notice, once\n");
    const settled = run(script(dir, 60_000, "settle"), missing);
    assert.equal(settled.error, undefined);
    assert.deepEqual([settled.status, settled.stdout, settled.stderr], [0, "on-time on-time", ""]);
  });

  test("the thread that keeps it where there is no sh does the same", (t) => {
    const dir = tempDir(t, "dejafix-watchdog-");
    const spun = run(script(dir, 300, "spin", "threadWatchdog"), dir);
    assert.equal(spun.signal, "SIGALRM");
    assert.equal(spun.stderr, "the notice, once\n");
    const settled = run(script(dir, 60_000, "settle", "threadWatchdog"), dir);
    assert.equal(settled.error, undefined);
    assert.deepEqual([settled.status, settled.stdout, settled.stderr], [0, "on-time on-time", ""]);
  });
});
