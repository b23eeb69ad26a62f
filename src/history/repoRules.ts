import { join } from "node:path";
import { repoRoot } from "../git/repo.js";
import { loadRuleLayers } from "../rules/loadRules.js";
import { rulesChainFor } from "../rules/rulesChain.js";
import type { Rules } from "../rules/types.js";

/** Where a repository keeps its rules (committed, shared by the team). */
export function rulesFile(root: string): string {
  return join(root, ".dejafix", "rules.yml");
}

/**
 * The repository's rules: the team's file with your personal `.dejafix/rules.local.yml` merged over it
 * (either may be missing; neither gives the built-in defaults). A package's own rules apply to its files
 * when a change is checked (src/rules/rulesChain.ts), not here. Throws RulesError.
 */
export async function repoRules(repoDir: string): Promise<{ root: string; rules: Rules }> {
  const root = await repoRoot(repoDir).catch(() => repoDir);
  return { root, rules: loadRuleLayers(rulesChainFor(root, "")) };
}
