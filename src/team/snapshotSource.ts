/**
 * Where a team index comes from: a file, an `https://` URL, or an OCI reference (`oci://registry/repo:tag`)
 * pulled with the `oras` client. This is dejafix's only network use, and only for a source the user
 * named: nothing is fetched otherwise. The OCI protocol (auth, manifests, blobs) is left to `oras`, the
 * client the team pushed with, so its login and registry settings apply as they are.
 */
import { spawn } from "node:child_process";
import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SNAPSHOT_MAGIC, SnapshotRefusedError } from "../index/snapshotFile.js";

/** How long a download or a pull may take before it is given up (the fallback, mining, still works). */
const FETCH_TIMEOUT_MS = 10 * 60_000;

export type SourceKind = "file" | "https" | "oci";

export function sourceKind(source: string): SourceKind {
  if (/^https:\/\//i.test(source)) return "https";
  if (/^oci:\/\//i.test(source)) return "oci";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source))
    throw new SnapshotRefusedError(
      "source",
      `${source.split("://")[0]}:// is not a source dejafix reads: give a file path, an https:// URL or an oci://registry/repo:tag reference`,
    );
  return "file";
}

/**
 * The snapshot named by `source` as a local file: a file path as it is, a download or a pull into
 * `workDir` (a folder beside the index, so the import can rename within one file system).
 */
export async function fetchSnapshot(source: string, workDir: string): Promise<string> {
  const kind = sourceKind(source);
  if (kind === "file") {
    const file = resolve(source);
    if (!existsSync(file) || !statSync(file).isFile())
      throw new SnapshotRefusedError("source", `${file} is not a file`);
    return file;
  }
  mkdirSync(workDir, { recursive: true });
  return kind === "https" ? download(source, workDir) : orasPull(source.replace(/^oci:\/\//i, ""), workDir);
}

async function download(url: string, workDir: string): Promise<string> {
  const file = join(workDir, "snapshot.download");
  let res: Response;
  try {
    res = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (e) {
    throw new SnapshotRefusedError(cutShort(e) ? "truncated" : "source", `the download failed (${why(e)})`);
  }
  if (!res.ok || !res.body)
    throw new SnapshotRefusedError("source", `the server answered ${res.status} ${res.statusText}`.trim());
  const promised = Number(res.headers.get("content-length") ?? Number.NaN);
  try {
    await pipeline(
      Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
      createWriteStream(file),
    );
  } catch (e) {
    const got = existsSync(file) ? statSync(file).size : 0;
    throw new SnapshotRefusedError(
      "truncated",
      `the connection ended after ${got}${Number.isFinite(promised) ? ` of ${promised}` : ""} bytes (${why(e)})`,
    );
  }
  const got = statSync(file).size;
  if (Number.isFinite(promised) && got < promised)
    throw new SnapshotRefusedError("truncated", `the connection ended after ${got} of ${promised} bytes`);
  return file;
}

/** The low-level reason of a failed fetch (undici puts it in `cause`). */
function why(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

/** A connection that closed before the response was whole. */
function cutShort(e: unknown): boolean {
  return /UND_ERR_SOCKET|ECONNRESET|terminated|other side closed/i.test(`${why(e)} ${(e as Error).message}`);
}

/** `oras pull REF -o DIR`, then the one snapshot among the files it wrote. */
async function orasPull(ref: string, workDir: string): Promise<string> {
  const out = join(workDir, "oras");
  mkdirSync(out, { recursive: true });
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done, fail) => {
    const child = spawn("oras", ["pull", ref, "-o", out], { stdio: ["ignore", "ignore", "pipe"] });
    // Not spawn's own `timeout`: its timer outlives a client that never started and holds the process open.
    const timer = setTimeout(() => child.kill("SIGTERM"), FETCH_TIMEOUT_MS).unref();
    child.on("close", () => clearTimeout(timer));
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      if (err.length < 4096) err += d;
    });
    child.on("error", (e: NodeJS.ErrnoException) =>
      e.code === "ENOENT"
        ? fail(
            new SnapshotRefusedError(
              "source",
              "the `oras` client is not on PATH, so the OCI reference cannot be pulled: install oras (https://oras.land/docs/installation) or download the snapshot and give its path or https:// URL",
            ),
          )
        : fail(e),
    );
    child.on("close", (c) => done({ code: c, stderr: err }));
  });
  if (code !== 0)
    throw new SnapshotRefusedError(
      "source",
      `\`oras pull ${ref}\` failed (${stderr.trim().split("\n").pop() ?? `exit ${code}`})`,
    );
  const files = listFiles(out);
  const snap = files.find(isSnapshotFile) ?? (files.length === 1 ? files[0] : undefined);
  if (!snap)
    throw new SnapshotRefusedError(
      "source",
      `${ref} holds no dejafix index snapshot (${files.length} files pulled)`,
    );
  return snap;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function isSnapshotFile(file: string): boolean {
  try {
    const fd = openSync(file, "r");
    const buf = Buffer.alloc(SNAPSHOT_MAGIC.length);
    try {
      readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
    return buf.toString("latin1") === SNAPSHOT_MAGIC;
  } catch {
    return false;
  }
}
