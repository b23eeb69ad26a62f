/**
 * Combines the risk level a change reaches and whether it matches a past defect into what the
 * hook does, following `verdict.mode`:
 *
 *   two-phase  level reached AND clone match → the level's action (CLEVER's two phases)
 *   score      level reached                 → the level's action
 *   match      clone match                   → verdict.matchAction
 *   either     the stronger of the two
 *
 * A match is never hidden: when the mode does not act on it, the outcome is at least `note`.
 */

import { type ActiveLevel, levelForScore, type ScoreInfo } from "./schedule.js";
import type { Action, Rules } from "./types.js";

export type Outcome = "pass" | "note" | "warn" | "block";

export interface Decision {
  outcome: Outcome;
  /** The level that decided the outcome, when a level did. */
  level: ActiveLevel | null;
  /** The level the score reached, whether or not the mode let it act. */
  reached: ActiveLevel | null;
  matched: boolean;
  /** One sentence: why this outcome. */
  because: string;
}

const RANK: Record<Outcome, number> = { pass: 0, note: 1, warn: 2, block: 3 };

function fromAction(action: Action): Outcome {
  return action === "off" ? "pass" : action;
}

export function decideVerdict(
  rules: Rules,
  active: readonly ActiveLevel[],
  input: ScoreInfo & { matched: boolean },
): Decision {
  const reached = levelForScore(active, input);
  const { matched } = input;
  const mode = rules.verdict.mode;
  const scoreSays = reached ? fromAction(reached.action) : "pass";
  const matchSays = matched ? fromAction(rules.verdict.matchAction) : "pass";
  let outcome: Outcome = "pass";
  let level: ActiveLevel | null = null;
  let because: string;

  if (mode === "two-phase") {
    if (reached && matched) {
      outcome = scoreSays;
      level = reached;
      because = `risk level ${reached.name} confirmed by a match with a past defect`;
    } else if (reached) {
      because = `risk level ${reached.name} reached, but no past defect matches (two-phase needs both)`;
    } else {
      because = matched
        ? "matches a past defect; the score reaches no level in force"
        : "no level reached, no match";
    }
  } else if (mode === "score") {
    outcome = scoreSays;
    level = reached;
    because = reached ? `risk level ${reached.name} reached` : "no level reached";
  } else if (mode === "match") {
    outcome = matchSays;
    because = matched ? "matches a past defect" : "no past defect matches";
  } else {
    const byScore = RANK[scoreSays] >= RANK[matchSays];
    outcome = byScore ? scoreSays : matchSays;
    level = byScore && reached ? reached : null;
    because =
      reached && matched
        ? `risk level ${reached.name} reached and matches a past defect`
        : reached
          ? `risk level ${reached.name} reached`
          : matched
            ? "matches a past defect"
            : "no level reached, no match";
  }
  if (matched && RANK[outcome] < RANK.note) outcome = "note";
  return { outcome, level, reached, matched, because };
}
