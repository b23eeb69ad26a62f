/**
 * 32-bit FNV-1a hash of a normalized line, as an unsigned integer. Collisions (≈ 1 in 4 billion per
 * pair of distinct lines) can only make two different lines look equal; retrieval and brute-force
 * verification both compare these hashes, so they agree with each other either way.
 */
export function hashLine(line: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < line.length; i++) {
    h ^= line.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
