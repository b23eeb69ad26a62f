/**
 * Runs the PyTorch training job (`models/train.py`) in a Python that has torch and onnx.
 * `dejafix train` is a thin wrapper over `runTraining`.
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export type Device = "auto" | "cpu" | "cuda";

export interface TrainingOptions {
  /** Dataset files (JSON Lines from `dejafix dataset`). */
  datasets: string[];
  /** The ONNX file to write; metadata goes next to it as `<name>.meta.json`. */
  out: string;
  device?: Device;
  /** A Python to use instead of searching (it must have torch and onnx). */
  python?: string;
  seed?: number;
  /** Hidden units of the MLP candidate (train.py default 32). */
  hidden?: number;
  /** Adam weight decay of every candidate (train.py default 3e-3). */
  weightDecay?: number;
  /** Candidates to train, e.g. ["lr-metrics", "mlp-tokens"] (default: all). */
  models?: string[];
  /** Oversample the minority class in training up to RATIO:1 (0 = off; default 5, Meta's). */
  resampleRatio?: number;
  maxEpochs?: number;
  /** Further flags for train.py, e.g. ["--patience", "3"]. */
  extraArgs?: string[];
  /**
   * Training processes on this machine (default 1): more than one runs train.py under torchrun
   * (DistributedDataParallel; gloo on CPU, NCCL with one GPU each on CUDA). docs/training.md.
   */
  processes?: number;
  /** Progress lines of the job (default: copied to stderr). */
  onLog?: (line: string) => void;
}

/** What train.py prints as its last stdout line. */
export interface TrainingSummary {
  model: string;
  meta: string;
  checkpoint: string;
  kind: string;
  validation_auc: number | null;
  test_auc: number | null;
  device: string;
}

export interface PythonFound {
  python: string;
  torch: string;
  onnx: string;
}

export const INSTALL_HINT =
  "install PyTorch and ONNX with `apt-get install python3-torch python3-onnx` (Debian/Ubuntu) or `pip install torch onnx`, " +
  "or set DEJAFIX_PYTHON to a Python that has them";

const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export function trainScriptPath(): string {
  return join(PACKAGE_ROOT, "models", "train.py");
}

export function parityScriptPath(): string {
  return join(PACKAGE_ROOT, "models", "parity.py");
}

/** Pythons to try, in order: DEJAFIX_PYTHON, `python3` on PATH, Debian's /usr/bin/python3. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = [env.DEJAFIX_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => !!p);
  return [...new Set(list)];
}

/** Without a usable Python, nothing can be trained; the message lists what each candidate lacked. */
export class PythonUnavailableError extends Error {
  readonly code = "DEJAFIX_NO_TORCH";
  constructor(readonly tried: { python: string; problem: string }[]) {
    super(
      `no Python with PyTorch and ONNX found (${tried.map((t) => `${t.python}: ${t.problem}`).join("; ")}). ${INSTALL_HINT}.`,
    );
    this.name = "PythonUnavailableError";
  }
}

const PROBE = "import sys, torch, onnx, numpy; print(torch.__version__ + ' ' + onnx.__version__)";

/** The first candidate that imports torch, onnx and numpy. */
export function findPython(candidates: string[] = pythonCandidates()): PythonFound {
  const tried: { python: string; problem: string }[] = [];
  for (const python of candidates) {
    const probe = spawnSync(python, ["-c", PROBE], { encoding: "utf8", timeout: 60_000 });
    if (probe.error) {
      const code = (probe.error as NodeJS.ErrnoException).code;
      tried.push({ python, problem: code === "ENOENT" ? "not found" : probe.error.message });
      continue;
    }
    if (probe.status === 0) {
      const [torch = "?", onnx = "?"] = probe.stdout.trim().split(" ");
      return { python, torch, onnx };
    }
    // "ModuleNotFoundError: No module named 'torch'" → "no module named 'torch'"
    const missing = /No module named '([^']+)'/.exec(probe.stderr);
    tried.push({
      python,
      problem: missing
        ? `lacks the '${missing[1]}' package`
        : lastLine(probe.stderr) || `exit ${probe.status}`,
    });
  }
  throw new PythonUnavailableError(tried);
}

/** The training job ended with an error; `message` is the job's own explanation. */
export class TrainingError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = "TrainingError";
  }
}

export async function runTraining(options: TrainingOptions): Promise<TrainingSummary> {
  if (options.datasets.length === 0)
    throw new TrainingError("no dataset given: pass at least one file from `dejafix dataset`", null);
  const { python } = findPython(options.python ? [options.python] : pythonCandidates());
  const args = [
    trainScriptPath(),
    ...options.datasets,
    "--out",
    options.out,
    "--device",
    options.device ?? "auto",
    ...(options.seed !== undefined ? ["--seed", String(options.seed)] : []),
    ...(options.hidden !== undefined ? ["--hidden", String(options.hidden)] : []),
    ...(options.weightDecay !== undefined ? ["--weight-decay", String(options.weightDecay)] : []),
    ...(options.models !== undefined ? ["--models", options.models.join(",")] : []),
    ...(options.resampleRatio !== undefined ? ["--resample-ratio", String(options.resampleRatio)] : []),
    ...(options.maxEpochs !== undefined ? ["--max-epochs", String(options.maxEpochs)] : []),
    ...(options.extraArgs ?? []),
  ];
  const onLog = options.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const processes = options.processes ?? 1;
  const child = spawn(python, processes > 1 ? [...torchrunArgs(processes), ...args] : args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  let stdout = "";
  const errors: string[] = [];
  let pending = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      errors.push(line);
      onLog(line);
    }
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  if (pending) {
    errors.push(pending);
    onLog(pending);
  }
  if (exitCode !== 0) {
    // train.py prefixes its own explanations; a Python traceback ends with the exception line.
    const own = errors.filter((line) => line.startsWith("dejafix train:")).pop();
    const message = own ?? `the training job failed (exit ${exitCode}): ${lastLine(errors.join("\n"))}`;
    throw new TrainingError(message.replace(/^dejafix train: /, ""), exitCode);
  }
  const last = lastLine(stdout);
  try {
    return JSON.parse(last) as TrainingSummary;
  } catch {
    throw new TrainingError(
      `the training job ended without a summary (last output: ${last || "none"})`,
      exitCode,
    );
  }
}

/**
 * torchrun (`python -m torch.distributed.run`) for N processes on this machine; --standalone picks a
 * free port, so runs side by side do not collide. The redirect and tee settings name local rank 9,
 * unused below 10 processes: torch 1.13 on Python 3.11 (Debian 12's) fails to parse its own default
 * "0", and its format has one digit per rank.
 */
export function torchrunArgs(processes: number): string[] {
  const workaround = processes <= 9 ? ["--redirects", "9:0", "--tee", "9:0"] : [];
  return [
    "-m",
    "torch.distributed.run",
    "--standalone",
    "--nproc_per_node",
    String(processes),
    ...workaround,
  ];
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return (lines[lines.length - 1] ?? "").trim();
}
