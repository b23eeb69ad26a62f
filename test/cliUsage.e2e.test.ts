/**
 * The command line as a person meets it: mistakes exit 2 (never 1, the block code) in dejafix's words with
 * a did-you-mean; a failure exits 3; --version and --help need no repository.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { closestName } from "../src/cli/closestName.js";
import { tempDir } from "./helpers/repo.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

function cli(args: string[], cwd?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    ...(cwd ? { cwd } : {}),
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("usage errors", () => {
  test("a mistyped command exits 2 and names the nearest command", () => {
    const r = cli(["chek"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command "chek"\. Did you mean `dejafix check`\?/);
    assert.equal(r.out, "");
  });

  test("a command nothing is near is still named, with where to look", () => {
    const r = cli(["frobnicate"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command "frobnicate"\.\nRun `dejafix --help`/);
    assert.doesNotMatch(r.err, /Did you mean/);
  });

  test("a mistyped flag exits 2 with the nearest flag, not Node's parseArgs advice", () => {
    const r = cli(["check", "--formt", "json"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^dejafix check: unknown option --formt \(did you mean --format\?\)\n/);
    assert.match(r.err, /Run `dejafix check --help` for its options/);
    assert.doesNotMatch(r.err, /positional argument|place it at the end/);
  });

  test("a flag without its value, a value for a switch, a wrong choice and a stray argument", () => {
    const cases: Array<[string[], RegExp]> = [
      [["check", "--format"], /--format needs a value/],
      [["check", "--staged=yes"], /--staged takes no value/],
      [
        ["check", "--format", "jsn"],
        /--format must be text, json or sarif, got "jsn" \(did you mean json\?\)/,
      ],
      [["check", "-format", "json"], /unknown option -format \(did you mean --format\?\)/],
      [["doctor", "extra"], /unexpected argument "extra"/],
      [["rules", "chekc"], /unknown subcommand "chekc" \(did you mean `dejafix rules check`\?\)/],
      [["init", "--manager", "huskey"], /--manager must be .* got "huskey" \(did you mean husky\?\)/],
    ];
    for (const [args, said] of cases) {
      const r = cli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, said, args.join(" "));
    }
  });

  test("a failure is not a usage error nor a block: exit 3", (t) => {
    const dir = tempDir(t, "dejafix-norepo-");
    const r = cli(["doctor"], dir);
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /not inside a git repository/);
  });
});

describe("start", () => {
  test("--version prints the package's version, anywhere", (t) => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    const r = cli(["--version"], tempDir(t));
    assert.equal(r.code, 0);
    assert.equal(r.out, `${pkg.version}\n`);
  });

  test("--help lists every command; no command is a usage error; help CMD shows its usage", () => {
    const r = cli(["--help"]);
    assert.equal(r.code, 0);
    for (const name of ["init", "check", "doctor", "index", "train", "demo"])
      assert.match(r.out, new RegExp(`^  ${name} `, "m"));
    const none = cli([]);
    assert.equal(none.code, 2);
    assert.match(none.err, /Usage: dejafix <command>/);
    const one = cli(["help", "check"]);
    assert.equal(one.code, 0);
    assert.match(one.out, /^Usage: dejafix check /);
  });
});

describe("closestName", () => {
  test("finds typos, swaps and prefixes, and nothing for a word far from every name", () => {
    const names = ["init", "check", "doctor", "index", "calibrate", "format", "repo"];
    assert.equal(closestName("chek", names), "check");
    assert.equal(closestName("chekc", names), "check");
    assert.equal(closestName("doctro", names), "doctor");
    assert.equal(closestName("calib", names), "calibrate");
    assert.equal(closestName("formt", names), "format");
    assert.equal(closestName("ch", names), "check");
    assert.equal(closestName("xyz", names), undefined);
    assert.equal(closestName("deploy", names), undefined);
  });
});
