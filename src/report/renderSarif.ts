/**
 * `--format sarif`: SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) for CI
 * code scanning, checked with the Microsoft SARIF Multitool's SARIF and GitHub rule sets (test/sarif.e2e).
 * Two rules: the change writes a past defect again (located at the developer's lines), and a risky change
 * (located at the change's first changed line, since a score belongs to the whole change), reported only
 * when its level set the verdict. Every result's level is the verdict's action.
 */

import { createHash } from "node:crypto";
import type { Action, ReportItem } from "../verdict/types.js";
import { escapeJsonUnsafe, sanitize } from "./sanitize.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** Where people learn about the tool (SARIF's driver.informationUri): the package's page. */
export const INFORMATION_URI = "https://www.npmjs.com/package/dejafix";

const RECURRING_HELP =
  "The change writes again code that an earlier commit of this repository (or of a related one) fixed: " +
  "its added or modified lines align with the lines the fix removed or changed, and the code does not " +
  "already have the fix's result. The message names the commit that introduced the defect, the fix, " +
  "and shows the fix applied then as a diff, placed in this code when that is sound.\n\n" +
  "What to do: read the suggested fix and apply it, or mark the suggestion " +
  "(`dejafix feedback ID useful|wrong`; a suggestion marked wrong is not proposed again).";

const RISKY_HELP =
  "The risk model scored the change above a level of the repository's rules (.dejafix/rules.yml, " +
  "levels) and that level acts on it: the change resembles, in size, spread and history, the changes " +
  "that introduced defects here before. The message gives the score and the reasons that raised it " +
  "most (for example: touches 14 files, the author has not changed this part of the code before).\n\n" +
  "What to do: review the change with the reasons in mind, split it, or add tests; `dejafix rules " +
  "explain` shows which levels are in force and why.";

export const RULES = {
  recurringDefect: {
    id: "recurring-defect",
    name: "RecurringDefect",
    shortDescription: { text: "The change writes again a bug that was fixed earlier in this repository" },
    fullDescription: {
      text: "The change writes again the lines of a past defect that a later commit fixed; the fix of that time is suggested.",
    },
    help: { text: RECURRING_HELP, markdown: RECURRING_HELP },
    defaultConfiguration: { level: "warning" },
    properties: {
      tags: ["correctness", "recurring-bug"],
      precision: "medium",
      "problem.severity": "warning",
    },
  },
  riskyChange: {
    id: "risky-change",
    name: "RiskyChange",
    shortDescription: { text: "The change's risk score reaches a gating level of the rules" },
    fullDescription: {
      text: "The change's risk score (a model trained on this repository's history) reaches a level of the rules that acts on it.",
    },
    help: { text: RISKY_HELP, markdown: RISKY_HELP },
    defaultConfiguration: { level: "warning" },
    properties: { tags: ["maintainability", "risk"], precision: "low", "problem.severity": "warning" },
  },
} as const;

export type SarifLevel = "error" | "warning" | "note";

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: Array<{
    physicalLocation: {
      artifactLocation: { uri: string };
      region: { startLine: number; endLine?: number };
    };
  }>;
  partialFingerprints: Record<string, string>;
  properties?: Record<string, unknown>;
}

/** The verdict's action, as SARIF says it: the hook's block is an error, its warning a warning. */
function level(action: Action): SarifLevel {
  return action === "block" ? "error" : action === "warn" ? "warning" : "note";
}

/** SARIF URIs are relative references: forward slashes, each segment percent-encoded. */
function uri(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/**
 * A fingerprint code scanning keeps an alert by across runs: the same past fix written again in the same
 * file by the same commit is one alert whatever lines move around it; another file, another commit (or
 * the staged change) or a second place in the same file is another alert.
 */
function fingerprint(parts: Array<string | number>): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 32);
}

export interface SarifOptions {
  toolVersion: string;
}

export function sarifLog(items: ReportItem[], opts: SarifOptions) {
  const results: SarifResult[] = [];
  const seen = new Map<string, number>();
  const distinct = (parts: Array<string | number>): string => {
    const key = fingerprint(parts);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return n === 0 ? key : fingerprint([...parts, n]);
  };
  for (const item of items) {
    const v = item.verdict;
    const commit = item.commit ?? "staged";
    // Best first in a verdict; in the file's order here, so a second place in a file keeps its number.
    const matches = [...v.matches].sort((a, b) => a.path.localeCompare(b.path) || a.startLine - b.startLine);
    for (const m of matches) {
      results.push({
        ruleId: RULES.recurringDefect.id,
        ruleIndex: 0,
        level: level(v.action),
        message: {
          text: sanitize(
            `${m.recurrence.kind === "revert" ? "Gets back code that" : "Writes again a bug that"} ` +
              `${m.fix.sha.slice(0, 10)} "${m.fix.subject}" fixed (introduced by ${m.defect.sha.slice(0, 10)} ` +
              `"${m.defect.subject}", ${Math.round(m.similarity * 100)}% similar, link ${m.evidence})` +
              (m.issues.length ? ` [${m.issues.join(", ")}]` : "") +
              (m.suggestion ? `.\nSuggested fix:\n${m.suggestion.diff}` : "."),
          ),
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: uri(m.path) },
              region: {
                startLine: Math.max(1, m.recurrence.lines[0] ?? m.startLine),
                endLine: Math.max(1, m.recurrence.lines[m.recurrence.lines.length - 1] ?? m.endLine),
              },
            },
          },
        ],
        partialFingerprints: {
          "dejafix/recurrence/v1": distinct([m.defect.sha, m.fix.sha, m.path, commit]),
        },
        properties: {
          similarity: m.similarity,
          commit: item.commit,
          recurrence: m.recurrence.kind,
          evidence: m.evidence,
        },
      });
    }
    // A score is reported when its level set the verdict (not when a match did, nor below every level).
    if (v.score && v.decidedBy === "level" && (v.action === "warn" || v.action === "block") && item.anchor) {
      results.push({
        ruleId: RULES.riskyChange.id,
        ruleIndex: 1,
        level: level(v.action),
        message: {
          text: sanitize(
            `Risk score ${v.score.value.toFixed(2)}, level ${v.level}` +
              (v.score.reasons.length ? `: ${v.score.reasons.join("; ")}` : ""),
          ),
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: uri(item.anchor.path) },
              region: { startLine: Math.max(1, item.anchor.line) },
            },
          },
        ],
        partialFingerprints: { "dejafix/risk/v1": distinct([commit, item.anchor.path]) },
        properties: { score: v.score.value, percentile: v.score.percentile, commit: item.commit },
      });
    }
  }
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0" as const,
    runs: [
      {
        tool: {
          driver: {
            name: "dejafix",
            version: opts.toolVersion,
            informationUri: INFORMATION_URI,
            rules: [RULES.recurringDefect, RULES.riskyChange],
          },
        },
        results,
      },
    ],
  };
}

export function renderSarif(items: ReportItem[], opts: SarifOptions): string {
  return escapeJsonUnsafe(JSON.stringify(sarifLog(items, opts), null, 2));
}
