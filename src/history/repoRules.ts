import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../git/repo.js";
import { loadRules } from "../rules/loadRules.js";
import type { Rules } from "../rules/types.js";

/** Where a repository keeps its rules (committed, shared by the team). */
export function rulesFile(root: string): string {
  return join(root, ".dejafix", "rules.yml");
}

/** The repository's rules, or the built-in defaults when it has no rules file. Throws RulesError. */
export async function repoRules(repoDir: string): Promise<{ root: string; rules: Rules }> {
  const root = await repoRoot(repoDir).catch(() => repoDir);
  const file = rulesFile(root);
  return { root, rules: loadRules(existsSync(file) ? file : null) };
}
