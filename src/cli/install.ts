import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { init } from "../install/init.js";
import type { Manager } from "../install/manifest.js";
import { uninstall } from "../install/uninstall.js";
import { printOut } from "../report/output.js";
import { defaultRulesText, PERSONAL_RULES_NAME, SCHEMA_FILE } from "../rules/loadRules.js";
import { type Command, choiceFlag, parse, UsageError } from "./args.js";
import { progress } from "./progress.js";
import { indexMaybeFrom } from "./teamIndex.js";
import { writerEvents } from "./writerEvents.js";

/**
 * Writes the team's rules file with the schema beside it, so editors complete and check it offline
 * in any repository (no node_modules needed), and a .gitignore there that keeps the personal
 * rules.local.yml out of commits. Returns the files created, none when they exist.
 */
export async function writeRules({ topLevel }: { topLevel: string }): Promise<string[]> {
  const dir = join(topLevel, ".dejafix");
  const rules = join(dir, "rules.yml");
  const schema = join(dir, "rules.schema.json");
  const created: string[] = [];
  mkdirSync(dir, { recursive: true });
  if (!existsSync(schema)) {
    copyFileSync(SCHEMA_FILE, schema);
    created.push(schema);
  }
  if (!existsSync(rules)) {
    writeFileSync(rules, defaultRulesText("./rules.schema.json"));
    created.push(rules);
  }
  // Each developer's own overrides (.dejafix/rules.local.yml) stay out of commits in every clone.
  const ignore = join(dir, ".gitignore");
  if (!existsSync(ignore)) {
    writeFileSync(
      ignore,
      `# Personal rules, merged over rules.yml for you only (docs/rules.md).\n${PERSONAL_RULES_NAME}\n`,
    );
    created.push(ignore);
  } else if (!readFileSync(ignore, "utf8").split(/\r?\n/).includes(PERSONAL_RULES_NAME)) {
    printOut(`dejafix: add "${PERSONAL_RULES_NAME}" to ${ignore} so personal rules are never committed.\n`);
  }
  return created;
}

const MANAGERS = ["auto", "husky", "lefthook", "hooks-dir"] as const;

export const initCmd: Command = {
  help: `Usage: dejafix init [--repo DIR] [--manager auto|husky|lefthook|hooks-dir] [--no-index] [--from SOURCE]

Installs pre-commit, pre-push and post-* hooks where git runs them (next to husky, lefthook or your
own hooks, never replacing them), writes .dejafix/rules.yml, its schema and a .gitignore that keeps
personal .dejafix/rules.local.yml files out of commits (commit all three), and indexes the history once. Running it again changes nothing. \`dejafix uninstall\` removes exactly what it added.
--from SOURCE starts the index from the team's snapshot (a file, an https:// URL or oci://registry/repo:tag)
and mines only the commits after it; one that does not fit is refused with the reason (docs/team.md).`,
  async run(argv) {
    const { values } = parse(argv, {
      repo: { type: "string", default: "." },
      manager: { type: "string", default: "auto" },
      "no-index": { type: "boolean", default: false },
      from: { type: "string" },
    });
    const manager = choiceFlag(values.manager, "--manager", MANAGERS);
    if (values["no-index"] && values.from !== undefined)
      throw new UsageError("--from starts the index from a snapshot; it cannot go with --no-index");
    const res = await init({
      repoDir: values.repo as string,
      manager: manager as Manager | "auto",
      steps: {
        writeRules,
        ...(values["no-index"]
          ? {}
          : {
              indexHistory: async ({ repoDir }) => {
                const bar = progress("indexing history");
                const r = await indexMaybeFrom(
                  {
                    repoDir,
                    onProgress: (d, t) => bar.update(d, t),
                    writer: { command: "dejafix init", events: writerEvents() },
                  },
                  values.from as string | undefined,
                ).finally(() => bar.stop());
                printOut(
                  `dejafix: indexed ${r.summary.commits} commits: ${r.summary.fixes} fix commits, ${r.summary.links} defect→fix links.\n`,
                );
              },
            }),
      },
    });
    for (const m of res.messages) printOut(`dejafix: ${m}\n`);
    return 0;
  },
};

export const uninstallCmd: Command = {
  help: `Usage: dejafix uninstall [--repo DIR] [--purge]

Removes the hooks and lines init added and restores what was there before. The rules file stays if you
edited it. --purge also deletes <git-common-dir>/dejafix (index, logs, override records).`,
  async run(argv) {
    const { values } = parse(argv, {
      repo: { type: "string", default: "." },
      purge: { type: "boolean", default: false },
    });
    const res = await uninstall({ repoDir: values.repo as string, purge: values.purge as boolean });
    for (const m of res.messages) printOut(`dejafix: ${m}\n`);
    return 0;
  },
};
