/**
 * Code tokens of one diff line and their hashed bag, shared by the dataset export and hook-time
 * scoring so that both hash exactly alike (the model was trained on these buckets).
 *
 * Hashing: FNV-1a 32-bit over the token's UTF-8 bytes, bucket = hash % dim. The dataset header
 * records it as `"token_hash":{"algorithm":"fnv1a32","dim":4096}`.
 */

/** Name of the hashing scheme as written in dataset headers and model metadata. */
export const TOKEN_HASH_ALGORITHM = "fnv1a32";
/** Default number of buckets. */
export const TOKEN_HASH_DIM = 4096;
/** Every string literal becomes this one token: its content is data, not code. */
export const STRING_TOKEN = "<str>";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/** FNV-1a 32-bit of the UTF-8 bytes of `text`, as an unsigned integer ("a" → 0xe40c292c). */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  // Fast path: for ASCII, UTF-16 code units are the UTF-8 bytes (most code tokens).
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) {
      ascii = false;
      break;
    }
    hash ^= code;
    hash = Math.imul(hash, FNV_PRIME);
  }
  if (ascii) return hash >>> 0;
  hash = FNV_OFFSET;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

// Order matters: comments and strings first, so that their content is never read as code;
// longer operators before their prefixes.
const TOKEN_RE = new RegExp(
  [
    String.raw`(?<comment>\/\/.*$|\/\*.*?(?:\*\/|$))`,
    String.raw`(?<string>"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|\x60(?:[^\x60\\]|\\.)*\x60?)`,
    String.raw`(?<number>0[xX][0-9a-fA-F_]+|0[bB][01_]+|(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[a-zA-Z]*)`,
    // Any non-ASCII character counts as a letter: cheaper than Unicode property classes, and
    // non-ASCII punctuation is rare in code outside strings and comments.
    String.raw`(?<word>[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*)`,
    String.raw`(?<op>>>>=|<<=|>>=|\*\*=|\.\.\.|===|!==|<=>|::|->|=>|\+\+|--|&&|\|\||\?\?|\?\.|==|!=|<=|>=|\+=|-=|\*=|\/=|%=|&=|\|=|\^=|<<|>>|\*\*|[-+*/%=<>!&|^~?:;,.(){}\[\]@#\\])`,
  ].join("|"),
  "g",
);

/**
 * Lines that are obviously comments as a whole, in the common languages:
 *   `// note`, `/* note`, ` * note`, `# note` (shell, Python, YAML, Ruby), `-- note` (SQL, Lua, Haskell),
 *   `<!-- note`, `; note` (Lisp, ini).
 * `#include` and `#!` stay code: a `#` comment needs a space or the end of the line after it.
 */
const COMMENT_LINE_RE = /^(?:\/\/|\/\*|\*(?:\s|\/|$)|#(?:\s|$)|--\s|<!--|;\s)/;

/**
 * Code tokens of one line: identifiers, keywords, numbers, operators and punctuation, in order.
 * String literals become `<str>`; comment lines and trailing `//` or `/* ... *\/` comments are dropped.
 *
 *   codeTokens(`  if (x.size() >= 10) return "too big"; // guard`)
 *   → ["if", "(", "x", ".", "size", "(", ")", ">=", "10", ")", "return", "<str>", ";"]
 */
export function codeTokens(line: string): string[] {
  const trimmed = line.trim();
  if (trimmed === "" || COMMENT_LINE_RE.test(trimmed)) return [];
  const tokens: string[] = [];
  for (const match of trimmed.matchAll(TOKEN_RE)) {
    const groups = match.groups;
    if (!groups) continue;
    if (groups.comment !== undefined) continue;
    tokens.push(groups.string !== undefined ? STRING_TOKEN : match[0]);
  }
  return tokens;
}

/** Hashed bag of tokens: bucket (fnv1a32(token) % dim) → count. */
export function hashBag(tokens: string[], dim: number): Map<number, number> {
  if (!Number.isInteger(dim) || dim <= 0)
    throw new RangeError(`hash dimension must be a positive integer, got ${dim}`);
  const bag = new Map<number, number>();
  for (const token of tokens) {
    const bucket = fnv1a32(token) % dim;
    bag.set(bucket, (bag.get(bucket) ?? 0) + 1);
  }
  return bag;
}

/**
 * A token bag in two typed arrays, buckets ascending: 4 bytes a bucket where a Map takes ~40. A replay
 * holds one pair per replayed commit (a 10.8k-commit history held 720 MB of Maps).
 */
export class PackedBag implements ReadonlyMap<number, number> {
  // 16 bits each whenever they fit (buckets below 65,536, whole counts up to 65,535): 4 bytes a bucket.
  private readonly buckets: Uint16Array | Uint32Array;
  private readonly counts: Uint16Array | Float64Array;

  constructor(bag: ReadonlyMap<number, number>) {
    const keys = [...bag.keys()].sort((a, b) => a - b);
    const counts = keys.map((k) => bag.get(k) as number);
    this.buckets = (keys[keys.length - 1] ?? 0) < 0x10000 ? Uint16Array.from(keys) : Uint32Array.from(keys);
    this.counts = counts.every((c) => Number.isInteger(c) && c >= 0 && c < 0x10000)
      ? Uint16Array.from(counts)
      : Float64Array.from(counts);
  }

  get size(): number {
    return this.buckets.length;
  }

  private find(bucket: number): number {
    let lo = 0;
    let hi = this.buckets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b = this.buckets[mid] as number;
      if (b === bucket) return mid;
      if (b < bucket) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  get(bucket: number): number | undefined {
    const i = this.find(bucket);
    return i < 0 ? undefined : this.counts[i];
  }

  has(bucket: number): boolean {
    return this.find(bucket) >= 0;
  }

  *entries(): MapIterator<[number, number]> {
    for (let i = 0; i < this.buckets.length; i++) yield [this.buckets[i] as number, this.counts[i] as number];
  }

  *keys(): MapIterator<number> {
    yield* this.buckets;
  }

  *values(): MapIterator<number> {
    yield* this.counts;
  }

  [Symbol.iterator](): MapIterator<[number, number]> {
    return this.entries();
  }

  forEach(fn: (value: number, key: number, map: ReadonlyMap<number, number>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}

/** The bag as written in dataset lines: `{"17":2,"4001":1}` (keys in ascending bucket order). */
export function bagToRecord(bag: ReadonlyMap<number, number>): Record<string, number> {
  const record: Record<string, number> = {};
  for (const bucket of [...bag.keys()].sort((a, b) => a - b)) record[String(bucket)] = bag.get(bucket)!;
  return record;
}

/** Hashed bag of all code tokens of several lines (the added or the removed lines of a change). */
export function linesBag(lines: Iterable<string>, dim: number = TOKEN_HASH_DIM): Map<number, number> {
  const tokens: string[] = [];
  for (const line of lines) for (const token of codeTokens(line)) tokens.push(token);
  return hashBag(tokens, dim);
}
