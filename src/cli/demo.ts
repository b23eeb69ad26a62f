import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { demoReintroduction, generateRepo } from "../../fixtures/generate.js";
import { indexRepository, labels } from "../api.js";
import { commitStaged, stagePaths } from "../git/workTree.js";
import { init } from "../install/init.js";
import { colorEnabled, colors } from "../report/colors.js";
import { sanitizeOutput } from "../report/sanitize.js";
import { type Command, parse } from "./args.js";
import { writeRules } from "./install.js";
import { progress } from "./progress.js";

/**
 * The README's main job on an embedded default: a generated repository with planted defects and fixes
 * (fixtures/), `dejafix init` in it, what the history told dejafix, then two commits through the real
 * hooks: an ordinary one, and one that writes a planted past defect again in other names.
 */
export async function runDemo(dir: string, stream: NodeJS.WriteStream = process.stdout): Promise<number> {
  const styled = colorEnabled({ isTTY: Boolean(stream.isTTY) });
  const c = colors({ isTTY: Boolean(stream.isTTY) });
  // Like every command's output, through the sanitiser (the folder name comes from the command line).
  const out = { write: (text: string) => stream.write(sanitizeOutput(text, styled)) };
  const step = (text: string) => out.write(`\n${c.bold(c.cyan("▸"))} ${c.bold(text)}\n`);
  const target = resolve(dir);
  if (existsSync(target)) rmSync(target, { recursive: true, force: true });

  step(`a repository with planted defects and their fixes: ${target}`);
  const manifest = generateRepo(target);
  out.write(
    `  ${manifest.commits} commits, ${manifest.merges} merges, ${manifest.planted.length} planted defect→fix pairs\n`,
  );

  step("npx dejafix init — hooks, .dejafix/rules.yml, and the history indexed once");
  const bar = progress("indexing");
  const installed = await init({
    repoDir: target,
    steps: {
      writeRules,
      indexHistory: async ({ repoDir }) => {
        const r = await indexRepository({ repoDir, onProgress: (d, t) => bar.update(d, t) }).finally(() =>
          bar.stop(),
        );
        out.write(
          `  indexed ${r.mined} commits in ${r.seconds.toFixed(2)} s: ${r.summary.fixes} fix commits, ` +
            `${r.summary.links} defect→fix links, ${r.defectBlocks} blocks of past defects\n`,
        );
      },
    },
  });
  for (const m of installed.messages) out.write(`  ${m}\n`);

  step("what the history says: each planted defect, and the commit dejafix traced it to");
  const found = new Map((await labels(target)).map((l) => [l.fix, l]));
  let right = 0;
  for (const p of manifest.planted) {
    const l = found.get(p.fix);
    const ok = l?.inducing.some((i) => i.commit === p.inducing) ?? false;
    if (ok) right++;
    const got = l ? l.inducing.map((i) => `${i.commit.slice(0, 10)} (${i.via.join("+")})`).join(", ") : "—";
    out.write(
      `  ${ok ? c.green("✓") : c.yellow("·")} ${p.id.padEnd(30)} fix ${p.fix.slice(0, 10)} → ${got}\n`,
    );
  }
  out.write(
    `  ${right} of ${manifest.planted.length} traced to the commit that introduced them; the others name only an issue ` +
      "key (give dejafix your tracker's bug list: fixes.bugIssues in .dejafix/rules.yml).\n",
  );

  const commit = (message: string): number => commitStaged(target, message);
  step("an ordinary commit: dejafix says nothing");
  appendFileSync(join(target, "README.md"), "\nSee docs/ for the release checklist.\n");
  stagePaths(target, ["README.md"]);
  out.write(`  $ git commit -m "Point to the release checklist"\n`);
  const ordinary = commit("Point to the release checklist");
  out.write(`  → ${ordinary === 0 ? "committed" : `stopped (exit ${ordinary})`}\n`);

  const again = demoReintroduction(manifest);
  step(`a commit that writes the "${again.of}" defect again, in other names, in ${again.path}`);
  mkdirSync(dirname(join(target, again.path)), { recursive: true });
  writeFileSync(join(target, again.path), again.content);
  stagePaths(target, [again.path]);
  out.write(`  $ git commit -m "Add field splitting for CSV import"\n`);
  const risky = commit("Add field splitting for CSV import");
  out.write(
    `  → ${risky === 0 ? "committed, with the warning above" : `stopped by the hook (exit ${risky})`}. ` +
      "The rules decide warn or block: .dejafix/rules.yml (verdict.mode, levels).\n",
  );
  out.write(`\nTry it yourself: cd ${target} && npx dejafix doctor\n`);
  return 0;
}

export const demoCmd: Command = {
  help: `Usage: dejafix demo [DIR]

Creates a repository with a realistic history and planted defect→fix pairs (default: ./.dejafix-demo,
replaced if it exists), runs \`dejafix init\` in it, shows which past defects dejafix traced, then makes
an ordinary commit and one that re-introduces a planted defect, through the real hooks.`,
  async run(argv) {
    const { positionals } = parse(argv, {}, { positionals: true });
    return runDemo(positionals[0] ?? ".dejafix-demo");
  },
};
