import { existsSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { generateRepo } from "../../fixtures/generate.js";
import { indexRepository, labels } from "../api.js";
import { colors } from "../report/colors.js";
import { type Command, parse } from "./args.js";
import { progress } from "./progress.js";

/**
 * The README's main job on an embedded default: a generated repository with planted defects and fixes
 * (fixtures/), indexed from scratch, and what dejafix found next to the known answers.
 */
export async function runDemo(dir: string, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const c = colors({ isTTY: Boolean(out.isTTY) });
  const target = resolve(dir);
  if (existsSync(target)) rmSync(target, { recursive: true, force: true });
  out.write(`${c.bold("dejafix demo")}: generating a repository with planted defects in ${target}\n`);
  const manifest = generateRepo(target);
  out.write(
    `  ${manifest.commits} commits, ${manifest.merges} merges, ${manifest.planted.length} planted defect→fix pairs\n\n`,
  );

  const bar = progress("indexing");
  const res = await indexRepository({ repoDir: target, onProgress: (d, t) => bar.update(d, t) }).finally(() =>
    bar.stop(),
  );
  out.write(
    `${c.bold("dejafix index")}: ${res.mined} commits in ${res.seconds.toFixed(2)} s → ${res.summary.fixes} fix commits, ` +
      `${res.summary.links} defect→fix links\n\n`,
  );

  const found = new Map((await labels(target)).map((l) => [l.fix, l]));
  out.write(
    `${c.bold("planted defect")}                     ${c.bold("fix")}         ${c.bold("introduced by")}  ${c.bold("dejafix found")}\n`,
  );
  let right = 0;
  for (const p of manifest.planted) {
    const l = found.get(p.fix);
    const got =
      l?.inducing.map((i) => `${i.commit.slice(0, 10)} (${i.via.join("+")})`).join(", ") ??
      "not a fix by its message";
    const ok = l?.inducing.some((i) => i.commit === p.inducing) ?? false;
    if (ok) right++;
    out.write(
      `${p.id.padEnd(34)} ${p.fix.slice(0, 10)}  ${p.inducing.slice(0, 10)}     ${ok ? c.green("✓") : c.yellow("·")} ${got}\n`,
    );
  }
  out.write(
    `\n${right} of ${manifest.planted.length} planted defects traced to the commit that introduced them. ` +
      "The ones marked · name only an issue key; give dejafix your tracker's bug list (fixes.bugIssues in .dejafix/rules.yml) to catch them.\n" +
      `Try it: cd ${target} && npx dejafix labels\n`,
  );
  return 0;
}

export const demoCmd: Command = {
  summary: "generate a demo repository with planted defects and run dejafix on it",
  help: `Usage: dejafix demo [DIR]

Creates a repository with a realistic history and planted defect→fix pairs (default: ./.dejafix-demo,
replaced if it exists), indexes it, and shows each planted defect next to what dejafix found.`,
  async run(argv) {
    const { positionals } = parse(argv, {});
    return runDemo(positionals[0] ?? ".dejafix-demo");
  },
};
