/**
 * The narrow store interface clone matching is written against (jscpd's `IStore` idea): memory in
 * tests (`createMemoryBlockStore`), SQLite in the product (`openBlockStore` in src/index).
 */

export interface BlockInput {
  /** Normalized line hashes of the block (`NormalizedBlock.hashes`). */
  hashes: ArrayLike<number>;
  /** Caller's reference (e.g. a defect-block id or JSON); stored and returned untouched. */
  ref?: string | null;
}

export interface StoredBlock {
  id: number;
  hashes: ArrayLike<number>;
  ref: string | null;
}

export interface BlockStore {
  /** Threshold T* the stored prefixes were built for: queries must use a threshold T ≤ T*. */
  readonly indexThreshold: number;
  /** Number of stored blocks. */
  readonly size: number;
  add(block: BlockInput): number;
  get(id: number): StoredBlock | undefined;
  /**
   * Every stored block that can be a NiCad clone of a query with these line hashes at `threshold`
   * with `minLines`, each once (a superset of the clones: verify them). Lossless by the proof in
   * prefixFilter.ts.
   */
  candidates(queryHashes: ArrayLike<number>, threshold: number, minLines: number): StoredBlock[];
  /**
   * Every stored block that can be a NiCad clone of some contiguous part of a region with these line
   * hashes (a superset: verify them). Lossless by Claim 5 of prefixFilter.ts.
   */
  candidatesIn(regionHashes: ArrayLike<number>, threshold: number, minLines: number): StoredBlock[];
  /** Every stored block, for brute-force comparison and for rebuilding. */
  all(): StoredBlock[];
  /** Recount element frequencies over all stored blocks and rewrite every block's prefix with them. */
  freeze(): void;
}
