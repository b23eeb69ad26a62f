import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A progress bar on a terminal; plain lines (at most one every few seconds) when stderr is a pipe,
 * a CI log or a GUI client's hook output.
 */
export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} {bar} {percentage}% | {value}/{total} commits | {eta_formatted} left`,
        stream,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 200,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else bar.update(done);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  // Plain lines only for long runs: one every 5 s, and a last one if any was printed.
  let last = Date.now();
  let printed = false;
  return {
    update(done, total) {
      const now = Date.now();
      if ((done === total && printed) || (done < total && now - last > 5000)) {
        stream.write(`${label}: ${done}/${total} commits\n`);
        last = now;
        printed = true;
      }
    },
    stop() {},
  };
}
