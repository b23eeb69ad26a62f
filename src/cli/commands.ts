/**
 * The table of commands: names, one-line summaries and a loader each. A command's module (and all it
 * imports: SQLite, the ONNX runtime, the pipeline) is loaded only when that command runs, so `--version`,
 * `--help` and a mistyped command start as fast as Node itself.
 */
import type { Command } from "./args.js";

export type { Command } from "./args.js";

export interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
}

export const commands: Record<string, CommandEntry> = {
  init: {
    summary: "install the hooks, write .dejafix/rules.yml and index the history (idempotent)",
    load: async () => (await import("./install.js")).initCmd,
  },
  uninstall: {
    summary: "remove exactly what init added (--purge also deletes the local index)",
    load: async () => (await import("./install.js")).uninstallCmd,
  },
  check: {
    summary: "check the staged change, a commit or a range, as the hooks would",
    load: async () => (await import("./check.js")).checkCmd,
  },
  rules: {
    summary: "check the rules file, or explain what would happen to the staged change now",
    load: async () => (await import("./rules.js")).rulesCmd,
  },
  doctor: {
    summary: "show what is installed, the index, the model and timings",
    load: async () => (await import("./doctor.js")).doctorCmd,
  },
  index: {
    summary: "mine the repository's history into the local index (incremental)",
    load: async () => (await import("./history.js")).indexCmd,
  },
  labels: {
    summary: "print each fix commit with the commits that introduced its defect",
    load: async () => (await import("./history.js")).labelsCmd,
  },
  feedback: {
    summary: "mark a suggestion useful or wrong (a wrong one stops being proposed)",
    load: async () => (await import("./feedback.js")).feedbackCmd,
  },
  dataset: {
    summary: "export one record per commit (metrics, diff tokens, SZZ label) for training",
    load: async () => (await import("./model.js")).datasetCmd,
  },
  corpus: {
    summary: "export the defect blocks of repositories as a corpus for `index --add-repo FILE`",
    load: async () => (await import("./corpus.js")).corpusCmd,
  },
  pairs: {
    summary: "export bug→fix pairs (buggy block, fixed block, both commits) as JSON lines",
    load: async () => (await import("./pairs.js")).pairsCmd,
  },
  train: {
    summary: "train the risk model (PyTorch, CUDA when present) and export it as ONNX",
    load: async () => (await import("./model.js")).trainCmd,
  },
  eval: {
    summary: "replay history in time order and report how well the score would have done",
    load: async () => (await import("./model.js")).evalCmd,
  },
  calibrate: {
    summary: "pick the score threshold that keeps false alarms under a limit",
    load: async () => (await import("./model.js")).calibrateCmd,
  },
  demo: {
    summary: "generate a demo repository with planted defects and run dejafix on it",
    load: async () => (await import("./demo.js")).demoCmd,
  },
};
