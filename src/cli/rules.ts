import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRules, rulesFile } from "../api.js";
import { readStagedChange } from "../git/readChange.js";
import { repoRoot } from "../git/repo.js";
import { check } from "../hooks/checker.js";
import { colors } from "../report/colors.js";
import { printErr, printOut } from "../report/output.js";
import { renderText } from "../report/renderText.js";
import { sanitizeLine } from "../report/sanitize.js";
import { loadRules, RulesError } from "../rules/loadRules.js";
import { activeLevelAction } from "../rules/schedule.js";
import { type Command, parse, UsageError } from "./args.js";

export const rulesCmd: Command = {
  summary: "check the rules file, or explain what would happen to the staged change now",
  help: `Usage: dejafix rules check [--repo DIR] [FILE]
       dejafix rules explain [--repo DIR]

check    validates .dejafix/rules.yml (or FILE); every problem names its line, column and field.
explain  shows the levels in force right now (weekend, freeze windows, branch rules), then scores and
         matches the staged change and says what the hook would do, and why.`,
  async run(argv) {
    const { values, positionals } = parse(argv, { repo: { type: "string", default: "." } });
    const [sub, fileArg] = positionals;
    const root = await repoRoot(values.repo as string).catch(() => values.repo as string);
    if (sub === "check") {
      const file = fileArg ?? rulesFile(root);
      if (!existsSync(file)) {
        printOut(
          `dejafix: no rules file at ${file}: the built-in defaults apply. \`dejafix init\` writes one.\n`,
        );
        return 0;
      }
      try {
        loadRules(file);
        printOut(`dejafix: ${file} is valid.\n`);
        return 0;
      } catch (e) {
        if (!(e instanceof RulesError)) throw e;
        printErr(`${sanitizeLine(e.message)}\n`);
        return 1;
      }
    }
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
    throw new UsageError(
      `unknown rules subcommand "${sub ?? ""}": use check or explain (see ${join(".dejafix", "rules.yml")})`,
    );
  },
};
