/**
 * Nothing leaves the machine: scoring with the shipped model, for longer than onnxruntime's telemetry
 * uploader waits before its first upload (~10 s), under `strace -f -e trace=network`. No inet socket may be
 * opened by any thread (a DNS query needs one), and onnxruntime's offline event cache and device id must not
 * be written under $HOME.
 *
 * The CI markers onnxruntime itself honours (GITHUB_ACTIONS, TF_BUILD, …) are removed from the child's
 * environment, so the test sees dejafix's own switch and not the runtime's CI exemption.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "./helpers/repo.js";

const SESSION = fileURLToPath(new URL("../src/model/session.js", import.meta.url));
const MODEL = fileURLToPath(new URL("../../models/default.onnx", import.meta.url));
const ORT_CI_MARKERS = [
  "TF_BUILD",
  "GITHUB_ACTIONS",
  "GITLAB_CI",
  "CIRCLECI",
  "TRAVIS",
  "JENKINS_URL",
  "CODEBUILD_BUILD_ID",
  "BUILDKITE",
  "TEAMCITY_VERSION",
  "APPVEYOR",
  "BITBUCKET_BUILD_NUMBER",
  "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI",
  "ORT_DISABLE_TELEMETRY",
  "ORT_RUNNING_UNIT_TESTS",
];

test("scoring opens no inet socket and writes no telemetry files", { timeout: 180_000 }, (t) => {
  const dir = tempDir(t, "dejafix-nonet-");
  const script = join(dir, "score.mjs");
  writeFileSync(
    script,
    `import { createServer } from "node:net";
import { openSession } from ${JSON.stringify(SESSION)};
// A local socket: the trace must show it, or strace saw nothing of this process.
const server = createServer().listen(${JSON.stringify(join(dir, "control.sock"))});
const session = await openSession(${JSON.stringify(MODEL)});
const width = 8212;
let runs = 0;
const until = Date.now() + 15000;
while (Date.now() < until) {
  const out = await session.run(session.inputNames[0], new Float32Array(width), [1, width], session.outputNames[0]);
  if (!(out[0] >= 0 && out[0] <= 1)) throw new Error("not a probability: " + out[0]);
  runs++;
  await new Promise((r) => setTimeout(r, 100));
}
console.log("scored " + runs + " times");
server.close();
`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, XDG_CACHE_HOME: join(dir, ".cache") };
  for (const k of ORT_CI_MARKERS) delete env[k];
  const log = join(dir, "strace.log");
  const r = spawnSync("strace", ["-f", "-qq", "-e", "trace=network", "-o", log, process.execPath, script], {
    env,
    encoding: "utf8",
  });
  assert.equal(r.error, undefined, "strace runs (apt-get install strace)");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /scored [1-9]\d* times/);
  const calls = readFileSync(log, "utf8");
  assert.match(calls, /socket\(AF_UNIX/, "strace saw the process's own local socket");
  const inet = calls.split("\n").filter((l) => /AF_INET6?\b|sin6?_port/.test(l));
  assert.deepEqual(inet, [], "no inet socket, no DNS query");
  assert.equal(existsSync(join(dir, ".cache", "Microsoft")), false, "no telemetry cache or device id");
});
