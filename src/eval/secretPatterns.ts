/**
 * Text that looks like a secret, so that no bug→fix pair carries one out of the repository. Deliberately
 * wide (a false alarm costs one pair; a leak costs a credential): private key headers, the token shapes
 * of AWS, GitHub, Slack, Google and Stripe, credentials in URLs, password or secret assignments with a
 * literal value, and long high-entropy literals.
 */

const PATTERNS: ReadonlyArray<[kind: string, re: RegExp]> = [
  ["private key", /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/],
  ["AWS access key", /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/],
  ["AWS secret key", /aws_?secret_?(?:access_?)?key\W{0,4}[:=]\s*["']?[A-Za-z0-9/+=]{40}\b/i],
  ["GitHub token", /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/],
  ["Slack token", /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
  ["Slack webhook", /hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]+/],
  ["Google API key", /\bAIza[0-9A-Za-z_-]{35}\b/],
  ["Google OAuth token", /\bya29\.[0-9A-Za-z_-]{20,}/],
  ["Stripe key", /\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}\b/],
  ["credentials in a URL", /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]+:[^/\s:@'"$]{3,}@[^/\s]+/i],
  // password = "hunter2", 'secret': 'x9…', apiKey: "…", PASSWORD="…" (a literal, not a name or a call).
  [
    "password or secret assignment",
    /\b[\w.-]*(?:passw(?:or)?d|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?key)[\w.-]*["']?\s*(?:[:=]|:=|=>)\s*[bru]?(["'`])(?!\s*\1)[^"'`\n]{3,}\1/i,
  ],
];

/** Quoted literals of 32 characters or more drawn from base64 / hex alphabets. */
const LONG_LITERAL = /(["'`])([A-Za-z0-9+/=_-]{32,})\1/g;

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** What kind of secret `text` seems to hold, or null. */
export function secretKind(text: string): string | null {
  for (const [kind, re] of PATTERNS) if (re.test(text)) return kind;
  for (const m of text.matchAll(LONG_LITERAL)) {
    const s = m[2]!;
    if (!/[0-9]/.test(s) || !/[A-Za-z]/.test(s)) continue;
    const hex = /^[0-9a-fA-F]+$/.test(s);
    // Random base64 of this length sits near 5 bits a character, random hex near 4; words and
    // identifiers stay well below.
    if (entropy(s) >= (hex ? 3.5 : 4.3)) return "high-entropy literal";
  }
  return null;
}
