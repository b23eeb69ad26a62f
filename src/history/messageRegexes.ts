/**
 * The regular expressions of `fixes` (patterns, ignore, issueKeyPattern) applied to one commit message, with
 * a bound on the time a team's own expressions may take.
 *
 * JavaScript regexes backtrack: `fixes.patterns: ["^(a+)+$"]` on a message of 35 `a`s and `!` runs for
 * minutes, and a push or an index run with it. A static check cannot tell every such pattern (star height
 * misses `(\w|\d)+$`, and flags the shipped defaults), and V8's linear engine does not take the `i` and `u`
 * flags these run with. So:
 * - the shipped defaults (the exact texts of DEFAULT_FIX_CONFIG, reviewed and tested) run directly;
 * - when the rules add any expression of their own, all the work on one message runs as one call inside
 *   `vm` with a timeout (V8 interrupts a running regex; one call costs ~0.1 ms, so a message pays it once,
 *   not once per expression; on commons-lang's 9,738 messages ~1 s in all);
 * - an expression that runs past the limit is found (each is tried alone, under the same limit), counts
 *   as no match from then on, and gives one notice naming its rules key.
 */
import vm from "node:vm";
import { DEFAULT_FIX_CONFIG, type FixConfig, flagsFor } from "../rules/fixes.js";

/**
 * Time one message may spend in the team's expressions before the slow one is found and switched off.
 * Measured on apache/commons-lang's 9,738 messages: all of a message's expressions take ~0.1 ms, the
 * slowest message 49 ms of wall time on a machine at load 16 (2 cores); a backtracking bomb never ends.
 */
export const USER_REGEX_LIMIT_MS = 250;
/** A call is tried this many times when the process was kept off the CPU rather than computing. */
const ATTEMPTS = 3;

interface Entry {
  /** Rules key: `fixes.patterns[2]`. */
  key: string;
  source: string;
  re: RegExp;
  /** A shipped default: runs without a time limit. */
  trusted: boolean;
  enabled: boolean;
}

/** What the keyword check needs of one text: the patterns on it, and on it with the ignored phrases removed. */
export interface TextResult {
  hit: boolean;
  stripped: string;
  strippedHit: boolean;
}

export interface MessageResult {
  subject: TextResult | null;
  story: TextResult | null;
  /** The first group of each `issueKeyPattern` match in the issues text, in order. */
  issueKeys: string[];
  /** One line per expression switched off while reading this message. */
  notices: string[];
}

export interface MessageInput {
  /** The subject as the keyword check reads it (closing references removed), or null when not checked. */
  subject: string | null;
  /** The same for the body. */
  story: string | null;
  /** The text issue keys are taken from. */
  issues: string;
}

/** The expressions' answers for one message's texts. */
export interface MessageView {
  /** Whether any `fixes.patterns` expression matches `text`. */
  hit(text: string): boolean;
  /** `text` with every `fixes.ignore` phrase replaced by a space. */
  strip(text: string): string;
  /** The first group of each `fixes.issueKeyPattern` match, in order. */
  issueKeys(text: string): string[];
  /** One line per expression switched off while reading this message. */
  notices: string[];
}

function patternsHit(entries: readonly Entry[], text: string): boolean {
  return entries.some((e) => e.enabled && e.re.test(text));
}

function strip(entries: readonly Entry[], text: string): string {
  return entries.reduce((t, e) => (e.enabled ? t.replace(e.re, " ") : t), text);
}

export class MessageRegexes {
  private readonly patterns: Entry[];
  private readonly ignore: Entry[];
  private readonly issueKey: Entry;
  private readonly bounded: boolean;
  private context: vm.Context | null = null;

  constructor(config: FixConfig) {
    const entry = (field: "patterns" | "ignore", source: string, i: number, flags: string): Entry => ({
      key: `fixes.${field}[${i}]`,
      source,
      re: new RegExp(source, flagsFor(source, flags)),
      trusted: (DEFAULT_FIX_CONFIG[field] as readonly string[]).includes(source),
      enabled: true,
    });
    this.patterns = config.patterns.map((p, i) => entry("patterns", p, i, "i"));
    this.ignore = config.ignore.map((p, i) => entry("ignore", p, i, "gi"));
    // Keys must not continue a word, a version ("1.0-RC-1") or a longer code ("ISO-8859-1").
    this.issueKey = {
      key: "fixes.issueKeyPattern",
      source: config.issueKeyPattern,
      re: new RegExp(`(?<![\\p{L}\\p{N}_.\\-])(${config.issueKeyPattern})(?![\\p{L}\\p{N}_]|-\\d)`, "gu"),
      trusted: config.issueKeyPattern === DEFAULT_FIX_CONFIG.issueKeyPattern,
      enabled: true,
    };
    this.bounded = [...this.patterns, ...this.ignore, this.issueKey].some((e) => !e.trusted);
  }

  private text(t: string | null): TextResult | null {
    if (t === null) return null;
    const stripped = strip(this.ignore, t);
    return {
      hit: patternsHit(this.patterns, t),
      stripped,
      strippedHit: patternsHit(this.patterns, stripped),
    };
  }

  private work(input: MessageInput): Omit<MessageResult, "notices"> {
    return {
      subject: this.text(input.subject),
      story: this.text(input.story),
      issueKeys: this.issueKey.enabled
        ? [...input.issues.matchAll(this.issueKey.re)].map((m) => m[1] ?? "")
        : [],
    };
  }

  /**
   * Runs `fn` with the time limit; undefined when it ran past it. The limit is wall time (vm's), but a
   * loaded machine can keep the process off the CPU for all of it: a call that did not spend at least half
   * the limit computing is tried again, so that only an expression that is itself slow is switched off and
   * the answers do not depend on the machine's load.
   */
  private limited<T>(fn: () => T): T | undefined {
    this.context ??= vm.createContext({});
    const ctx = this.context as { run?: () => void };
    let out: T | undefined;
    ctx.run = () => {
      out = fn();
    };
    for (let attempt = 1; ; attempt++) {
      const cpu = process.cpuUsage();
      try {
        RUN.runInContext(this.context, { timeout: USER_REGEX_LIMIT_MS });
        return out;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ERR_SCRIPT_EXECUTION_TIMEOUT") throw e;
        const used = process.cpuUsage(cpu);
        const computing = (used.user + used.system) / 1000;
        if (computing >= USER_REGEX_LIMIT_MS / 2 || attempt >= ATTEMPTS) return undefined;
      }
    }
  }

  /** Tries each of the team's expressions alone on what it reads; switches off the ones past the limit. */
  private findSlow(input: MessageInput, notices: string[]): boolean {
    let found = false;
    const texts = [input.subject, input.story].filter((t): t is string => t !== null);
    const slow = (e: Entry, probe: () => unknown) => {
      if (e.trusted || !e.enabled || this.limited(probe) !== undefined) return;
      e.enabled = false;
      found = true;
      notices.push(slowNotice(e));
    };
    for (const e of this.patterns) slow(e, () => texts.map((t) => e.re.test(t)));
    for (const e of this.ignore) slow(e, () => texts.map((t) => t.replace(e.re, " ")));
    slow(this.issueKey, () => [...input.issues.matchAll(this.issueKey.re)].length);
    return found;
  }

  /**
   * The answers for one message. With only the shipped expressions they are computed when asked (most
   * messages never need the body's); with a team's own, all of them at once, in one limited call.
   */
  view(input: MessageInput): MessageView {
    if (!this.bounded) {
      return {
        hit: (t) => patternsHit(this.patterns, t),
        strip: (t) => strip(this.ignore, t),
        issueKeys: (t) => [...t.matchAll(this.issueKey.re)].map((m) => m[1] ?? ""),
        notices: [],
      };
    }
    const r = this.run(input);
    const hits = new Map<string, boolean>();
    const strips = new Map<string, string>();
    for (const [text, t] of [
      [input.subject, r.subject],
      [input.story, r.story],
    ] as const) {
      if (text === null || t === null) continue;
      hits.set(text, t.hit);
      hits.set(t.stripped, t.strippedHit);
      strips.set(text, t.stripped);
    }
    // Asked about a text the batch did not cover (not done by classify.ts): one limited call of its own.
    const alone = (t: string) => this.run({ subject: t, story: null, issues: "" });
    return {
      hit: (t) => hits.get(t) ?? alone(t).subject?.hit ?? false,
      strip: (t) => strips.get(t) ?? alone(t).subject?.stripped ?? t,
      issueKeys: (t) =>
        t === input.issues ? r.issueKeys : this.run({ subject: null, story: null, issues: t }).issueKeys,
      notices: r.notices,
    };
  }

  run(input: MessageInput): MessageResult {
    if (!this.bounded) return { ...this.work(input), notices: [] };
    const notices: string[] = [];
    const result = this.limited(() => this.work(input));
    if (result !== undefined) return { ...result, notices };
    if (this.findSlow(input, notices)) {
      const again = this.limited(() => this.work(input));
      if (again !== undefined) return { ...again, notices };
    }
    // Slow only together (an expression on what another one left): switch off all of the team's own; the
    // shipped ones that remain need no limit.
    for (const e of [...this.patterns, ...this.ignore, this.issueKey]) {
      if (e.trusted || !e.enabled) continue;
      e.enabled = false;
      notices.push(slowNotice(e));
    }
    return { ...this.work(input), notices };
  }
}

const RUN = new vm.Script("run()");

function slowNotice(e: Entry): string {
  return (
    `${e.key} (${JSON.stringify(e.source).slice(0, 80)}) took longer than ${USER_REGEX_LIMIT_MS} ms on a ` +
    "commit message, so it counts as no match from now on; simplify it in .dejafix/rules.yml " +
    "(a group repeated inside a repeat, like (a+)+ or (\\w|\\d)+, backtracks without bound)"
  );
}
