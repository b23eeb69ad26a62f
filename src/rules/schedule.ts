/**
 * Which gating levels are in force at a moment, on a branch, in a hook — and why, in words a
 * developer can read ("weekend (Saturday, author's time)").
 *
 * Order of resolution: `always`, then weekend levels, freeze windows, pre-push levels, then the
 * branch rules in file order (a rule with `replace: true` drops everything listed before it).
 */

import picomatch from "picomatch";
import type { Action, GatedHook, Level, Rules, Weekday } from "./types.js";

export interface ScheduleContext {
  /** The instant the change is checked (or was committed, when replaying history). */
  when: Date;
  /** The author's UTC offset in minutes (`CommitMeta.authorTzMinutes`; `-new Date().getTimezoneOffset()` now). */
  tzMinutes: number;
  /** Short branch name (`main`, `release/2.x`), or null on a detached HEAD. */
  branch: string | null;
  hook?: GatedHook;
}

export interface ActiveLevel {
  name: string;
  level: Level;
  action: Action;
  /** Why the level is in force, for `dejafix rules explain` and the report. */
  because: string;
}

const DAYS: Weekday[] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Epoch milliseconds of a rules date (`2025-11-27` or `2025-11-27T18:00`) read on a clock
 * `tzMinutes` ahead of UTC. A bare date starts at midnight (`start`) or, as the last day of a
 * window, ends at the next midnight (`end`). Null when the text is not a calendar date.
 */
export function parseRuleTime(text: string, tzMinutes: number, edge: "start" | "end"): number | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v)));
  const local = Date.UTC(y!, mo! - 1, d!, h ?? 0, mi ?? 0, s ?? 0);
  const back = new Date(local);
  if (
    back.getUTCMonth() !== mo! - 1 ||
    back.getUTCDate() !== d! ||
    (h ?? 0) > 23 ||
    (mi ?? 0) > 59 ||
    (s ?? 0) > 59
  ) {
    return null;
  }
  const dayEnd = h === undefined && edge === "end" ? 86_400_000 : 0;
  return local + dayEnd - tzMinutes * 60_000;
}

/** UTC offset in minutes of the schedule's clock. */
export function scheduleOffset(rules: Rules, authorTzMinutes: number): number {
  const tz = rules.schedule.timezone;
  if (tz === "author") return authorTzMinutes;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(tz);
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function clockName(rules: Rules): string {
  const tz = rules.schedule.timezone;
  return tz === "author" ? "author's time" : tz === "utc" ? "UTC" : `UTC${tz}`;
}

const matchers = new Map<string, (s: string) => boolean>();

/** Whether `branch` matches one of `globs`; a detached HEAD matches only `**`. */
export function branchMatches(globs: readonly string[], branch: string | null): boolean {
  if (branch === null) return globs.includes("**");
  const name = branch.replace(/^refs\/heads\//, "");
  return globs.some((glob) => {
    let match = matchers.get(glob);
    if (!match) {
      match = picomatch(glob, { dot: true });
      matchers.set(glob, match);
    }
    return match(name);
  });
}

const STRENGTH: Record<Action, number> = { block: 2, warn: 1, off: 0 };

/** Levels in force for `ctx`, strongest action first, each with the reason it applies. */
export function activeLevelAction(rules: Rules, ctx: ScheduleContext): ActiveLevel[] {
  const hook = ctx.hook ?? "pre-commit";
  const at = ctx.when.getTime();
  const tz = scheduleOffset(rules, ctx.tzMinutes);
  let entries: { name: string; because: string }[] = [];
  const add = (names: readonly string[], because: string) => {
    for (const name of names) entries.push({ name, because });
  };
  const { schedule } = rules;

  add(schedule.always, "in force at all times");

  const day = DAYS[new Date(at + tz * 60_000).getUTCDay()]!;
  if (schedule.weekend.hooks.includes(hook) && schedule.weekend.days.includes(day)) {
    add(schedule.weekend.levels, `weekend (${day[0]!.toUpperCase()}${day.slice(1)}, ${clockName(rules)})`);
  }

  for (const freeze of schedule.freezes) {
    if (!freeze.hooks.includes(hook) || !branchMatches(freeze.branches, ctx.branch)) continue;
    const from = parseRuleTime(freeze.from, tz, "start");
    const to = parseRuleTime(freeze.to, tz, "end");
    if (from !== null && to !== null && at >= from && at < to) {
      add(freeze.levels, `freeze "${freeze.name}" (${freeze.from} to ${freeze.to}, ${clockName(rules)})`);
    }
  }

  if (hook === "pre-push") add(rules.hooks.prePush.levels, "pushing (hooks.prePush.levels)");

  for (const rule of schedule.branches) {
    if (!rule.hooks.includes(hook) || !branchMatches([rule.match], ctx.branch)) continue;
    if (rule.replace) entries = [];
    add(rule.levels, `branch ${ctx.branch} matches ${rule.match}`);
  }

  const seen = new Set<string>();
  const active: ActiveLevel[] = [];
  for (const { name, because } of entries) {
    const level = rules.levels[name];
    if (!level || seen.has(name)) continue;
    seen.add(name);
    active.push({ name, level, action: level.action, because });
  }
  // Stable sort: strongest action first, schedule order within an action.
  return active.sort((a, b) => STRENGTH[b.action] - STRENGTH[a.action]);
}

export interface ScoreInfo {
  /** The model's score, 0..1. */
  score: number;
  /** Percentile (0..100) of the score among the repository's scored history; null when not calibrated. */
  percentile: number | null;
}

/** Whether a score reaches a level's threshold. */
export function reaches(level: Level, info: ScoreInfo): boolean {
  if (level.percentile !== null) return info.percentile !== null && info.percentile >= level.percentile;
  return level.score !== null && info.score >= level.score;
}

/** The in-force level a score reaches with the strongest action (not `off`), or null. */
export function levelForScore(active: readonly ActiveLevel[], info: ScoreInfo): ActiveLevel | null {
  let best: ActiveLevel | null = null;
  for (const entry of active) {
    if (entry.action === "off" || !reaches(entry.level, info)) continue;
    if (!best || STRENGTH[entry.action] > STRENGTH[best.action]) best = entry;
  }
  return best;
}
