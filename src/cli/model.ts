import { gitCommonDir, repoRoot } from "../git/repo.js";
import { repositoryModelPath } from "../model/load.js";
import { runTraining } from "../model/train.js";
import { printErr, printOut } from "../report/output.js";
import { type Command, deviceFlag, numberFlag, parse, UsageError } from "./args.js";
import {
  CALIBRATE_HELP,
  calibrateCommand,
  DATASET_HELP,
  datasetCommand,
  EVAL_HELP,
  evalCommand,
} from "./evalCommands.js";

const first = (help: string): string => (help.split("\n")[0] ?? "").replace(/^Usage:\s*/, "");

export const datasetCmd: Command = {
  help: DATASET_HELP,
  run: datasetCommand,
};

export const evalCmd: Command = {
  help: EVAL_HELP,
  run: evalCommand,
};

export const calibrateCmd: Command = {
  help: CALIBRATE_HELP,
  run: calibrateCommand,
};

/** The candidates models/train.py knows (its KINDS). */
const TRAINABLE = ["lr-metrics", "lr-tokens", "mlp-tokens"];

export const trainCmd: Command = {
  help: `Usage: dejafix train DATASET.jsonl... [--out FILE.onnx] [--device auto|cpu|cuda] [--seed N] [--python PATH]
                     [--models LIST] [--hidden N] [--weight-decay X] [--resample-ratio R] [--max-epochs N]
                     [--processes N]

  --models LIST        candidates, comma-separated: lr-metrics, lr-tokens, mlp-tokens (default: all;
                       the best by validation ROC AUC is exported)
  --hidden N           hidden units of the MLP (default 32)
  --weight-decay X     Adam weight decay (default 3e-3; it mattered most on the corpus)
  --resample-ratio R   oversample the minority class in training up to R:1, 0 = off (default 5)
  --max-epochs N       upper bound; training stops early on validation ROC AUC (default 60)
  --processes N        train with N processes under torchrun (DistributedDataParallel: one GPU each
                       with --device cuda, gloo on CPU); several nodes: docs/training.md

Runs models/train.py (needs Python 3 with torch and onnx: apt-get install python3-torch python3-onnx,
or pip install torch onnx). Without --out the model goes to <git-common-dir>/dejafix/model.onnx, where
the hooks of this clone pick it up instead of the shipped default. That place is the only one the hooks
look at, and it is per clone: to share a model, give teammates model.onnx and model.meta.json and have
each copy both to <git-common-dir>/dejafix/ of their clone (\`git rev-parse --git-common-dir\`).`,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      {
        out: { type: "string" },
        device: { type: "string", default: "auto" },
        seed: { type: "string" },
        python: { type: "string" },
        models: { type: "string" },
        hidden: { type: "string" },
        "weight-decay": { type: "string" },
        "resample-ratio": { type: "string" },
        "max-epochs": { type: "string" },
        processes: { type: "string" },
      },
      { positionals: true },
    );
    if (positionals.length === 0) throw new UsageError(`give at least one dataset: ${first(DATASET_HELP)}`);
    const hidden = numberFlag(values.hidden, "--hidden", { min: 1, integer: true });
    const maxEpochs = numberFlag(values["max-epochs"], "--max-epochs", { min: 1, integer: true });
    const weightDecay = numberFlag(values["weight-decay"], "--weight-decay", { min: 0 });
    const resampleRatio = numberFlag(values["resample-ratio"], "--resample-ratio", { min: 0 });
    const processes = numberFlag(values.processes, "--processes", { min: 1, integer: true });
    const models = (values.models as string | undefined)?.split(",").map((m) => m.trim());
    const unknown = models?.filter((m) => !TRAINABLE.includes(m));
    if (unknown && unknown.length > 0)
      throw new UsageError(
        `--models: unknown candidate ${unknown.join(", ")} (choose among ${TRAINABLE.join(", ")})`,
      );
    const device = deviceFlag(values.device);
    const out =
      (values.out as string | undefined) ?? repositoryModelPath(await gitCommonDir(await repoRoot(".")));
    const summary = await runTraining({
      onLog: (line) => printErr(`${line}\n`),
      datasets: positionals,
      out,
      device,
      ...(values.seed ? { seed: Number(values.seed) } : {}),
      ...(values.python ? { python: values.python as string } : {}),
      ...(hidden !== undefined ? { hidden } : {}),
      ...(maxEpochs !== undefined ? { maxEpochs } : {}),
      ...(weightDecay !== undefined ? { weightDecay } : {}),
      ...(resampleRatio !== undefined ? { resampleRatio } : {}),
      ...(models ? { models } : {}),
      ...(processes !== undefined ? { processes } : {}),
    });
    const auc = summary.test_auc === null ? "n/a" : summary.test_auc.toFixed(3);
    printOut(
      `dejafix: ${summary.kind} model trained on ${summary.device}, test ROC AUC ${auc}.\n  ${summary.model}\n  ${summary.meta}\n`,
    );
    return 0;
  },
};
