import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRules } from "../api.js";
import { gitCommonDir, gitVersion, repoRoot } from "../git/repo.js";
import { IndexDamagedError, isIndexDamage } from "../index/damage.js";
import { IndexVersionError } from "../index/db.js";
import { IndexDiskFullError } from "../index/diskFull.js";
import { movedAsideCopies } from "../index/health.js";
import { IndexStore, indexPath } from "../index/store.js";
import { indexWriterState, type WriterInfo } from "../index/writerLock.js";
import { installStatus } from "../install/installStatus.js";
import type { AdaptationOutcome } from "../model/adapt.js";
import { colors } from "../report/colors.js";
import { messages } from "../report/messages.js";
import { jsonText, printOut } from "../report/output.js";
import { sanitizeLine } from "../report/sanitize.js";
import { type Command, formatOf, parse } from "./args.js";
import { version } from "./version.js";

/** What is installed, the index, the model, and how long each part of a check takes here. */
export const doctorCmd: Command = {
  help: `Usage: dejafix doctor [--repo DIR] [--format text|json]

Prints the versions of dejafix, Node and git; where the hooks are and which hook manager is used; the
index (commits, fixes, links, last run); the risk model in use; whether the rules file is valid; and how
long loading the rules, the index and the model takes on this machine.`,
  async run(argv) {
    const { values } = parse(argv, {
      repo: { type: "string", default: "." },
      format: { type: "string", default: "text" },
    });
    const format = formatOf(values.format, ["text", "json"]);
    const c = colors({ isTTY: Boolean(process.stdout.isTTY) });
    // Every finding once, as data: text shows it with a mark, json gives it to scripts.
    const findings: { check: string; ok: boolean; text: string }[] = [];
    const lines: string[] = [];
    let current = "dejafix";
    const ok = (s: string) => {
      findings.push({ check: current, ok: true, text: s });
      return `${c.green("✓")} ${s}`;
    };
    const bad = (s: string) => {
      findings.push({ check: current, ok: false, text: s });
      return `${c.yellow("!")} ${s}`;
    };
    const root = await repoRoot(values.repo as string);
    const common = await gitCommonDir(root);
    lines.push(
      `dejafix ${version()} · node ${process.version} (${process.execPath}) · ${await gitVersion(root)}`,
    );

    current = "hooks";
    // Where git runs hooks from now, not only where init once put them (core.hooksPath can move).
    const hooks = installStatus(root);
    lines.push(
      hooks.ok && hooks.manager
        ? ok(messages.hooksInstalled(hooks.manager, hooks.hooksDir))
        : bad(hooks.problem ?? messages.hooksNotInstalled()),
    );

    current = "rules";
    let t = performance.now();
    try {
      const { rules } = await repoRules(root);
      lines.push(
        ok(
          `rules: ${rules.source ?? "built-in defaults"} (${(performance.now() - t).toFixed(0)} ms to load)`,
        ),
      );
    } catch (e) {
      lines.push(bad(`rules: ${(e as Error).message.split("\n")[0]} — run \`dejafix rules check\``));
    }

    current = "index";
    const file = indexPath(join(common, "dejafix"));
    for (const line of writerFindings(file)) lines.push(line.ok ? ok(line.text) : bad(line.text));
    if (!existsSync(file)) lines.push(bad(`no index at ${file}: run \`npx dejafix index\``));
    else {
      t = performance.now();
      try {
        const store = new IndexStore(file, { readonly: true });
        const opened = performance.now() - t;
        const repoId = store.selfRepoId();
        if (repoId !== null) {
          const s = store.summary(repoId);
          const run = store.lastRun();
          lines.push(
            ok(
              `index: ${s.commits} commits, ${s.fixes} fix commits, ${s.links} defect→fix links (${opened.toFixed(0)} ms to open)`,
            ),
          );
          if (run) {
            const when = run.finishedAt ? new Date(run.finishedAt * 1000).toISOString() : "unfinished";
            lines.push(`  last run: ${run.status}, ${run.commits} commits, ${when}`);
          }
        } else lines.push(bad("index is empty: run `npx dejafix index`"));
        store.close();
      } catch (e) {
        lines.push(
          e instanceof IndexVersionError
            ? bad(`index: ${e.message}`)
            : e instanceof IndexDiskFullError
              ? bad(
                  `index: the disk holding ${e.dir} is full; free some space there, then run \`dejafix index\``,
                )
              : isIndexDamage(e)
                ? bad(
                    `index damaged (${e instanceof IndexDamagedError ? e.reason : (e as Error).message}): \`dejafix index\` moves it aside and rebuilds it (so does the background update after the next commit)`,
                  )
                : bad(`index unreadable (${(e as Error).message}): run \`npx dejafix index\``),
        );
      }
    }

    current = "model";
    t = performance.now();
    try {
      const { loadModel } = await import("../model/load.js");
      const model = await loadModel(undefined, { gitCommonDir: common });
      const auc = model.meta.metrics.test.roc_auc;
      lines.push(
        ok(
          `model: ${model.source} ${model.path} (${model.meta.model.kind}${auc ? `, test AUC ${auc.toFixed(3)}` : ""}; ${(performance.now() - t).toFixed(0)} ms to load)`,
        ),
      );
      lines.push(`  ${await adaptationLine(file, model.digest)}`);
    } catch (e) {
      lines.push(bad(`model: ${(e as Error).message.split("\n")[0]}`));
    }
    if (format === "json") {
      const versions = {
        dejafix: version(),
        node: process.version,
        git: await gitVersion(root),
      };
      printOut(`${jsonText({ versions, repository: root, findings }, 2)}\n`);
    } else printOut(`${lines.join("\n")}\n`);
    return findings.every((f) => f.ok) ? 0 : 1;
  },
};

/** Which model scores this repository's changes, and why: its adaptation (src/model/adapt.ts) or the model as shipped. */
async function adaptationLine(file: string, digest: string): Promise<string> {
  if (!existsSync(file))
    return "scores with the model as is: no index yet, so no adaptation to this repository";
  const { readAdaptation } = await import("../index/adaptationStore.js");
  const store = new IndexStore(file, { readonly: true });
  try {
    const repoId = store.selfRepoId();
    const a = repoId === null ? null : readAdaptation<AdaptationOutcome>(store, repoId, digest);
    if (!a) return "scores with the model as is: no adaptation fitted yet (`dejafix index` fits one)";
    const o = a.outcome;
    const day = (t: number | null) => (t === null ? "?" : new Date(t * 1000).toISOString().slice(0, 10));
    const fitted = `fitted ${day(a.computedAt)} on ${o.train.commits + o.validation.commits} settled commits (${day(o.train.from)} … ${day(o.validation.to)}), validated on the newest ${o.validation.commits}`;
    return a.kept
      ? `scores with the model adapted to this repository: ${o.reason}; ${fitted}`
      : `scores with the model as is: ${o.reason}${o.weights ? `; ${fitted}` : ""}`;
  } finally {
    store.close();
  }
}

/** A writer that has run this long is probably stuck (the first index of a 40k-commit history takes minutes). */
const STUCK_MS = 60 * 60 * 1000;

/** The index's writer lock and damaged copies, as doctor findings. */
function writerFindings(file: string): Array<{ ok: boolean; text: string }> {
  const out: Array<{ ok: boolean; text: string }> = [];
  const who = (w: WriterInfo) =>
    sanitizeLine(`\`${w.command}\` (pid ${w.pid} on ${w.host}, since ${w.since})`);
  const state = indexWriterState(file);
  if (state.held) {
    const since = state.holder ? Date.parse(state.holder.since) : Number.NaN;
    if (!state.holder)
      out.push({
        ok: true,
        text: "the index is being written by another dejafix process; other writers wait for it",
      });
    else if (Date.now() - since > STUCK_MS)
      out.push({
        ok: false,
        text: `the index has been written by ${who(state.holder)} for over an hour: if it is stuck, stop it (kill ${state.holder.pid}); the next \`dejafix index\` resumes its work`,
      });
    else
      out.push({
        ok: true,
        text: `the index is being written by ${who(state.holder)}; other writers wait for it`,
      });
  } else if (state.leftOver) {
    out.push({
      ok: false,
      text: `the last writer, ${who(state.leftOver)}, stopped without finishing (killed or crashed); the lock was freed when it ended, and the next \`dejafix index\` resumes where it stopped`,
    });
  }
  for (const copy of movedAsideCopies(file)) {
    out.push({
      ok: false,
      text: sanitizeLine(
        `a damaged index was moved aside to ${copy.file} (${(copy.bytes / 1048576).toFixed(1)} MB) and rebuilt: attach it to a bug report if you file one, then delete it`,
      ),
    });
  }
  return out;
}
