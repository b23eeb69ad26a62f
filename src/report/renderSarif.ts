/**
 * `--format sarif`: SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) for CI
 * code scanning. Two rules: a block that resembles a past defect (located at the developer's block), and a
 * risky change (located at the change's first changed line, since a score belongs to the whole change).
 */

import type { Action, ReportItem } from "../verdict/types.js";
import { escapeJsonUnsafe, sanitize } from "./sanitize.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

export const RULES = {
  recurringDefect: {
    id: "dejafix/recurring-defect",
    name: "RecurringDefect",
    shortDescription: { text: "The change writes again a bug that was fixed earlier in this repository" },
  },
  riskyChange: {
    id: "dejafix/risky-change",
    name: "RiskyChange",
    shortDescription: { text: "The change's risk score is above the gating level" },
  },
} as const;

export type SarifLevel = "error" | "warning" | "note";

interface SarifResult {
  ruleId: string;
  level: SarifLevel;
  message: { text: string };
  locations: Array<{
    physicalLocation: {
      artifactLocation: { uri: string };
      region: { startLine: number; endLine?: number };
    };
  }>;
  partialFingerprints?: Record<string, string>;
  properties?: Record<string, unknown>;
}

function level(action: Action): SarifLevel {
  return action === "block" ? "error" : action === "warn" ? "warning" : "note";
}

/** SARIF URIs are relative references: forward slashes, each segment percent-encoded. */
function uri(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

export interface SarifOptions {
  toolVersion: string;
}

export function sarifLog(items: ReportItem[], opts: SarifOptions) {
  const results: SarifResult[] = [];
  for (const item of items) {
    const v = item.verdict;
    if (v.action === "pass" && v.matches.length === 0) continue;
    for (const m of v.matches) {
      results.push({
        ruleId: RULES.recurringDefect.id,
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
        // The same past fix written again in two files is two alerts.
        partialFingerprints: { "dejafix/defect-fix": `${m.defect.sha}:${m.fix.sha}:${m.path}` },
        properties: {
          similarity: m.similarity,
          commit: item.commit,
          recurrence: m.recurrence.kind,
          evidence: m.evidence,
        },
      });
    }
    if (v.score && (v.action === "warn" || v.action === "block") && item.anchor) {
      results.push({
        ruleId: RULES.riskyChange.id,
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
