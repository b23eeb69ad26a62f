/**
 * Plain data of the blocks stage: a block is a line range of one file, and its normalized form is what
 * clone matching compares. Line numbers are 1-based and inclusive everywhere in this stage.
 */

/** How a language delimits blocks: braces (C, Java, JS...) or indentation (Python, YAML, Ruby...). */
export type BlockStyle = "brace" | "indent";

export interface BlockRange {
  /** First line of the block (1-based, inclusive). */
  start: number;
  /** Last line of the block (1-based, inclusive). */
  end: number;
  /**
   * True when the enclosing block was longer than the growth cap, so the range is only the
   * bracket-balanced (or logical-line-aligned) neighbourhood of the hunk, not a whole block.
   */
  capped: boolean;
}

/** What a normalized token is, so later stages know which tokens carry names. */
export type NormKind = "identifier" | "literal" | "keyword" | "symbol";

/** One token of a normalized block, with the way back to the source text. */
export interface NormToken {
  /** Normalized text: `x` for identifiers, `0` / `""` for literals, the token itself otherwise. */
  norm: string;
  /** Original text as written in the source. */
  text: string;
  kind: NormKind;
  /** Source line (1-based, counted from the `firstLine` given to `normalizeBlock`). */
  line: number;
  /** Source column (1-based, in UTF-16 code units). */
  column: number;
  /** Index of the normalized line this token belongs to. */
  lineIndex: number;
}

export interface NormalizedBlock {
  /** Pretty-printed, normalized lines: tokens joined by one space. */
  lines: string[];
  /** 32-bit unsigned FNV-1a hash of each normalized line. */
  hashes: number[];
  /** Every kept token, in source order; `tokens[i].lineIndex` says which normalized line holds it. */
  tokens: NormToken[];
  /** Source line span (1-based, inclusive) of each normalized line. */
  spans: Array<{ first: number; last: number }>;
}
