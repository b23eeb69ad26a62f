/** Variables of the machine running the tests that would change what the processes under test do. */
const MACHINE_ONLY = new Set(["CI", "FORCE_COLOR", "NO_COLOR"]);

/**
 * The environment of the processes under test: the machine's, without its dejafix and git settings, CI
 * flag or colour choice; no system git config; `extra` on top (a HOME, an author, NO_COLOR, hooks' seams).
 */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith("DEJAFIX") && !k.startsWith("GIT_") && !MACHINE_ONLY.has(k)) env[k] = v;
  return { ...env, GIT_CONFIG_NOSYSTEM: "1", ...extra };
}

/** Ada as author and committer, at `email`. */
export function ada(email = "ada@example.com"): NodeJS.ProcessEnv {
  return {
    GIT_AUTHOR_NAME: "Ada",
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: "Ada",
    GIT_COMMITTER_EMAIL: email,
  };
}
