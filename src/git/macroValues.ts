import { gitSyncMaybe } from "./run.js";

/**
 * The values a name is `#define`d as anywhere in a commit's tree (`git grep` at REV): `ANET_ERR` → `["-1"]`
 * for `#define ANET_ERR -1`, trailing comments and outer parentheses dropped. Empty when no simple macro
 * defines it. Asked only for a candidate about to be shown, so one process.
 *
 *   $ git grep -h -E -e '^\s*#\s*define\s+ANET_ERR\s' 7d9b45b4a1 --
 *   #define ANET_ERR -1
 */
export function macroValues(repoDir: string, rev: string, name: string): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return [];
  const out = gitSyncMaybe(repoDir, ["grep", "-h", "-E", "-e", `^\\s*#\\s*define\\s+${name}\\s`, rev, "--"]);
  if (out === null) return [];
  const values = new Set<string>();
  for (const line of out.split("\n")) {
    const value = line
      .replace(/^\s*#\s*define\s+\S+/, "")
      .replace(/\/\*.*?\*\/|\/\/.*$/g, "")
      .trim()
      .replace(/^\((.*)\)$/, "$1")
      .trim();
    if (value !== "" && !value.endsWith("\\")) values.add(value);
  }
  return [...values];
}
