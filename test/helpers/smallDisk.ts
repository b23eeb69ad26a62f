/**
 * A small disk for the full-disk cases: a tmpfs mounted on one folder in a mount namespace of its own, so
 * the machine's own disks are never filled and nothing stays mounted when the test ends. As root the
 * namespace is a plain `unshare -m`; otherwise `unshare -rm` (a user namespace, where the user may mount a
 * tmpfs). Processes under test run inside it through `nsenter`; the test reads and writes its files
 * through /proc/<pid>/root, the namespace's view of the file system. Not with SQLite: it resolves that
 * link to "/" (readlink) and would open the same path outside the namespace; copy the files out, or run
 * the reader inside.
 *
 * Where neither can mount a tmpfs, `mountSmallDisk` throws saying why: the case fails, it is not skipped.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface SmallDisk {
  /** The folder the tmpfs is mounted on (as the processes inside see it). */
  readonly dir: string;
  /** `path` (absolute, as seen inside the namespace) as this process reaches it. */
  seen(path: string): string;
  /** `nsenter` and its arguments to run `argv` inside the namespace, in `cwd`. */
  inside(cwd: string, argv: string[]): { file: string; args: string[] };
  /** Bytes still free on the small disk. */
  freeBytes(): number;
  /** Takes all free space but `leave` bytes (rounded down to whole blocks) with a filler file. */
  fill(leave?: number): void;
  /** Gives back the space `fill` took. */
  free(): void;
  /** Ends the namespace's holder (the tmpfs goes with the last process inside). */
  close(): Promise<void>;
}

const root = process.getuid?.() === 0;

/** Mounts a tmpfs of `bytes` on `dir` (an existing empty folder) in a new mount namespace. */
export async function mountSmallDisk(dir: string, bytes: number): Promise<SmallDisk> {
  // The holder mounts, says so, then waits for its input to close: when the test process ends, however it
  // ends, so does the holder, and the namespace with the last process inside.
  const script = 'mount -t tmpfs -o "size=$1" dejafix-test "$2" && echo mounted && read -r _';
  let holder: ChildProcess;
  try {
    holder = spawn("unshare", [root ? "-m" : "-rm", "sh", "-c", script, "sh", String(bytes), dir], {
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (e) {
    throw cannot(`unshare could not start (${(e as Error).message})`);
  }
  let err = "";
  holder.stderr?.on("data", (d) => {
    err += d;
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    holder.stdout?.on("data", (d) => {
      out += d;
      if (out.includes("mounted")) resolve();
    });
    holder.on("error", (e) => reject(cannot(`unshare could not start (${e.message})`)));
    holder.on("exit", (code) =>
      reject(cannot(`\`unshare ${root ? "-m" : "-rm"}\` exited ${code}: ${err.trim()}`)),
    );
  });
  holder.removeAllListeners("exit");
  holder.stdout?.removeAllListeners("data");
  const pid = holder.pid as number;
  const seen = (path: string) => join(`/proc/${pid}/root`, path);
  const filler = seen(join(dir, "zz-filler"));
  const gone = new Promise<void>((resolve) => holder.on("exit", () => resolve()));
  return {
    dir,
    seen,
    inside(cwd, argv) {
      const enter = root ? ["-m"] : ["-U", "-m", "--preserve-credentials"];
      // setns(2) into a mount namespace moves the working directory to its root: go back in there.
      return {
        file: "nsenter",
        args: [
          "-t",
          String(pid),
          ...enter,
          "--",
          "sh",
          "-c",
          'cd "$1" && shift && exec "$@"',
          "sh",
          cwd,
          ...argv,
        ],
      };
    },
    freeBytes() {
      const st = statfsSync(seen(dir));
      return st.bavail * st.bsize;
    },
    fill(leave = 0) {
      const st = statfsSync(seen(dir));
      const blocks = Math.max(0, st.bavail - Math.ceil(leave / st.bsize));
      const fd = openSync(filler, "a");
      try {
        const block = Buffer.alloc(st.bsize, 0x5a);
        // To the last block when nothing is to be left: whatever statfs did not count goes too.
        for (let n = 0; leave === 0 || n < blocks; n++) {
          try {
            writeSync(fd, block);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOSPC" && leave === 0) break;
            throw e;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    async close() {
      if (holder.exitCode === null && holder.signalCode === null) {
        holder.kill("SIGKILL");
        await gone;
      }
    },
  };
}

function cannot(why: string): Error {
  return new Error(
    `the full-disk cases need a small tmpfs in a mount namespace of their own, and this machine cannot make one: ${why}. ` +
      "Run them as root (unshare -m), or where unprivileged user namespaces are allowed (unshare -rm; on Debian " +
      "and Ubuntu: sysctl kernel.unprivileged_userns_clone=1, kernel.apparmor_restrict_unprivileged_userns=0).",
  );
}
