/**
 * The model's scores of history commits, read and scored once per `dejafix index` run. The adaptation
 * (the newest settled commits) and the calibration (the newest commits) score mostly the same commits
 * with the same model: each used to read its own diffs (a `git diff-tree --stdin` pass) and score them,
 * about 3,000 diffs and scorings where 2,000-odd distinct commits were asked for. Here the first request
 * reads the commits asked for together with those announced (`expect`) in one pass; later requests
 * read only what no earlier pass read. Scores are the model's own (no adaptation applied): a row of a
 * batch scores the same whatever the other rows, so sharing changes no figure. Bags the history pass of
 * the same run already made (`known`: its `-U0 -w` first-parent diffs, the same lines as `diff-tree -w`)
 * are scored as they are; only the commits without one are read again.
 */
import type { IndexStore } from "../index/store.js";
import type { TokenBags } from "../metrics/changeTokens.js";
import { historyMetrics, type MetricValues } from "../metrics/dataset.js";
import { commitTokens } from "../metrics/diffTokens.js";
import type { Rules } from "../rules/types.js";
import type { RiskModel } from "./load.js";
import { scoreValues } from "./score.js";
import type { ScoreInput } from "./vector.js";

export interface ScoredCommit {
  sha: string;
  /** The model's score, without any adaptation. */
  score: number;
  metrics: MetricValues;
}

/** Inputs scored per inference call while the diffs stream: bounds the token bags held at once. */
const BATCH = 512;

export class HistoryScores {
  private readonly scored = new Map<string, ScoredCommit>();
  /** Commits a pass already asked git for (merges and unreadable ones yield nothing: not asked twice). */
  private readonly asked = new Set<string>();
  private expected: string[] = [];
  private metrics: Map<string, MetricValues> | null = null;
  /** Diff passes run so far (one `git diff-tree --stdin` each). */
  passes = 0;

  constructor(
    private readonly store: IndexStore,
    private readonly repoId: number,
    private readonly root: string,
    private readonly rules: Rules,
    readonly model: RiskModel,
    /** Token bags of commits already read (by the history pass), with the model's dimension; taken as used. */
    private readonly known: Map<string, TokenBags> = new Map(),
  ) {}

  /** Commits a later request will ask for: read with the next pass instead of in a pass of their own. */
  expect(shas: readonly string[]): void {
    this.expected.push(...shas);
  }

  /** The scores of `shas` in the order given; merges and commits whose diff git gave none for are left out. */
  async scores(shas: readonly string[]): Promise<ScoredCommit[]> {
    const missing = [...new Set([...shas, ...this.expected])].filter((sha) => !this.asked.has(sha));
    this.expected = [];
    if (missing.length > 0) await this.read(missing);
    return shas.flatMap((sha) => this.scored.get(sha) ?? []);
  }

  /** The bags known already, then one diff pass over the rest of `shas`, scored in batches as they come. */
  private async read(shas: readonly string[]): Promise<void> {
    for (const sha of shas) this.asked.add(sha);
    const unread = shas.filter((sha) => !this.known.has(sha));
    if (unread.length > 0) this.passes++;
    this.metrics ??= await historyMetrics(this.store, this.repoId);
    const metrics = this.metrics;
    const dim = this.model.meta.features.token_hash.dim;
    let inputs: ScoreInput[] = [];
    let batchShas: string[] = [];
    const flush = async () => {
      const values = await scoreValues(this.model, inputs, BATCH);
      batchShas.forEach((sha, i) => {
        this.scored.set(sha, { sha, score: values[i]!, metrics: inputs[i]!.metrics as MetricValues });
      });
      inputs = [];
      batchShas = [];
    };
    const add = async (sha: string, bags: TokenBags): Promise<void> => {
      inputs.push({ metrics: metrics.get(sha) ?? {}, added: bags.added, removed: bags.removed });
      batchShas.push(sha);
      if (inputs.length === BATCH) await flush();
    };
    for (const sha of shas) {
      const bags = this.known.get(sha);
      if (bags === undefined) continue;
      this.known.delete(sha);
      await add(sha, bags);
    }
    if (unread.length > 0)
      for await (const bags of commitTokens(this.root, unread, this.rules, { dim }))
        await add(bags.meta.sha, bags);
    if (inputs.length > 0) await flush();
  }
}
