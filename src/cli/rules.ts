import { existsSync } from "node:fs";
import { relative } from "node:path";
import { repoRules, rulesFile } from "../api.js";
import { readStagedChange } from "../git/readChange.js";
import { repoRoot } from "../git/repo.js";
import { findRuleFiles } from "../git/ruleFiles.js";
import { check } from "../hooks/checker.js";
import { colors } from "../report/colors.js";
import { printErr, printOut } from "../report/output.js";
import { renderText } from "../report/renderText.js";
import { sanitizeLine } from "../report/sanitize.js";
import { loadRuleLayers, loadRules, RulesError } from "../rules/loadRules.js";
import { rulesChainFor } from "../rules/rulesChain.js";
import { activeLevelAction } from "../rules/schedule.js";
import { type Command, parse, UsageError } from "./args.js";
import { closestName } from "./closestName.js";

export const rulesCmd: Command = {
  help: `Usage: dejafix rules check [--repo DIR] [FILE]
       dejafix rules explain [--repo DIR]

check    validates .dejafix/rules.yml with your .dejafix/rules.local.yml merged over it, and the rules of
         every package (a folder's own .dejafix/); or FILE alone. Every problem names its file, line,
         column and field; a personal file git does not ignore is a problem too.
explain  shows the levels in force right now (weekend, freeze windows, branch rules), then scores and
         matches the staged change and says what the hook would do, and why.`,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { repo: { type: "string", default: "." } },
      { positionals: true },
    );
    const [sub, fileArg] = positionals;
    const root = await repoRoot(values.repo as string).catch(() => values.repo as string);
    if (sub === "check") return fileArg ? checkOne(fileArg) : checkAll(root);
    if (sub === "explain") {
      const { rules } = await repoRules(root);
      const c = colors({ isTTY: Boolean(process.stdout.isTTY) });
      const active = activeLevelAction(rules, {
        when: new Date(),
        tzMinutes: -new Date().getTimezoneOffset(),
        branch: null,
      });
      printOut(
        `${c.bold("rules")}: ${rules.source ?? "built-in defaults"}; verdict mode ${rules.verdict.mode}\n`,
      );
      printOut(`${c.bold("levels in force now")}:\n`);
      for (const a of active) printOut(`  ${a.name.padEnd(10)} ${a.action.padEnd(6)} ${a.because}\n`);
      if (active.length === 0) printOut("  none\n");
      const change = readStagedChange(root);
      if (change.files.length === 0) {
        printOut("nothing is staged: stage a change to see its verdict.\n");
        return 0;
      }
      const verdict = await check(change, {
        repoDir: root,
        budgetMs: Number.POSITIVE_INFINITY,
        hook: "check",
      });
      printOut(`${c.bold("the staged change")}: ${change.files.length} file(s)\n`);
      printOut(`${renderText(verdict, { colors: c, verbose: true })}\n`);
      printOut(
        `the pre-commit hook would ${verdict.action === "block" ? "stop the commit" : verdict.action === "warn" ? "warn and let it through" : "let it through silently"}.\n`,
      );
      return 0;
    }
    if (sub === undefined)
      throw new UsageError("say what to do: `dejafix rules check` or `dejafix rules explain`");
    const near = closestName(sub, ["check", "explain"]);
    throw new UsageError(
      `unknown subcommand "${sub}"${near ? ` (did you mean \`dejafix rules ${near}\`?)` : ": use check or explain"}`,
    );
  },
};

function checkOne(file: string): number {
  if (!existsSync(file)) {
    printErr(`dejafix: no rules file at ${file}.\n`);
    return 1;
  }
  try {
    loadRules(file, { personal: false });
    printOut(`dejafix: ${file} is valid.\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof RulesError)) throw e;
    printErr(`${sanitizeLine(e.message)}\n`);
    return 1;
  }
}

/** Every folder's chain of rules files, as a check of a path in that folder would read it. */
async function checkAll(root: string): Promise<number> {
  const found = await findRuleFiles(root);
  // git lists regular files only: the repository's own rules path is checked whatever it is.
  if (rulesChainFor(root, "x").length > 0 && !found.some((f) => f.path.split("/").length === 2))
    found.unshift({ path: ".dejafix/rules.yml", personal: false, ignored: false });
  if (found.length === 0) {
    printOut(
      `dejafix: no rules file at ${rulesFile(root)}: the built-in defaults apply. \`dejafix init\` writes one.\n`,
    );
    return 0;
  }
  let problems = 0;
  const folders = [...new Set(found.map((f) => f.path.split("/").slice(0, -2).join("/")))];
  for (const folder of folders) {
    const chain = rulesChainFor(root, folder ? `${folder}/x` : "x");
    try {
      loadRuleLayers(chain);
      printOut(
        `dejafix: ${chain.map((f) => relative(root, f)).join(" + ")} ${chain.length > 1 ? "are" : "is"} valid.\n`,
      );
    } catch (e) {
      if (!(e instanceof RulesError)) throw e;
      printErr(`${sanitizeLine(e.message)}\n`);
      problems++;
    }
  }
  for (const f of found.filter((x) => x.personal && !x.ignored)) {
    const line = `dejafix: ${f.path} is personal but git does not ignore it: add "rules.local.yml" to ${f.path.replace(/rules\.local\.yml$/, ".gitignore")}`;
    printErr(`${sanitizeLine(line)}\n`);
    problems++;
  }
  return problems > 0 ? 1 : 0;
}
