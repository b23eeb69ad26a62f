#!/usr/bin/env node
// Before the tests: the training-job tests run the real PyTorch job, so a Python with torch and onnx
// must exist. On Debian as root it is installed (python3-torch, python3-onnx); elsewhere this says how.
import { spawnSync } from "node:child_process";

const candidates = [process.env.DEJAFIX_PYTHON, "python3", "/usr/bin/python3"].filter(Boolean);
const hasTorch = (py) => spawnSync(py, ["-c", "import torch, onnx"], { stdio: "ignore" }).status === 0;
if (candidates.some(hasTorch)) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
if (isRoot && hasApt) {
  console.log("Installing Debian's python3-torch and python3-onnx for the training-job tests…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  const install = spawnSync("apt-get", ["install", "-y", "-qq", "python3-torch", "python3-onnx"], { stdio: "inherit", env });
  if (update.status === 0 && install.status === 0 && hasTorch("/usr/bin/python3")) process.exit(0);
}
console.error(
  "The training-job tests need Python 3 with PyTorch and ONNX.\n" +
    "  Debian/Ubuntu: sudo apt-get install -y python3-torch python3-onnx\n" +
    "  elsewhere:     pip install torch onnx   (or set DEJAFIX_PYTHON to a Python that has them)",
);
process.exit(1);
