/**
 * `dejafix eval` for people: a plain-text summary (terminal) and a self-contained HTML report
 * with the ROC and capture curves as inline SVG (no script, no network).
 */
import { sanitizeLine } from "../report/sanitize.js";
import { GATING_SHARES } from "./figures.js";
import type { ReplayReport, ScorerReport } from "./replay.js";

export function pct(value: number | null, digits = 1): string {
  return value === null ? "n/a" : `${(value * 100).toFixed(digits)}%`;
}

export function num(value: number | null, digits = 3): string {
  return value === null ? "n/a" : value.toFixed(digits);
}

const LABELS: Record<string, string> = { model: "model", within: "within-project", la: "la alone" };

function labelSourceText(report: ReplayReport): string {
  return report.labelSource === "file"
    ? "labels from the given file"
    : `SZZ labels (commits of the last ${report.labelLatencyDays} days left out: not fixed yet)`;
}

export function renderReplayText(report: ReplayReport): string {
  const lines: string[] = [];
  const r = report.replay;
  lines.push(
    `dejafix eval: ${sanitizeLine(report.repo)} — replayed ${r.commits} commits (${r.from ?? "?"} … ${r.to ?? "?"}), ` +
      `${r.positives} defect-introducing (${pct(r.commits ? r.positives / r.commits : null)}); ${labelSourceText(report)}.`,
  );
  lines.push(
    `  trained on the ${report.training.commits} earlier commits (${report.training.from ?? "?"} … ${report.training.to ?? "?"}).`,
  );
  if (report.scorers.length > 0) {
    const head = [
      "",
      "ROC AUC",
      "precision",
      "recall",
      "F1",
      "false alarms",
      ...GATING_SHARES.map((k) => `top ${k}%`),
      "R@20%E",
      "per line",
      "Popt",
      "E@20%R",
    ];
    const rows = report.scorers.map((s) => figureCells(s, 0));
    lines.push("", ...table([head, ...rows]));
    lines.push(
      "",
      "  top k%: share of defect-introducing commits among the riskiest k% (random gating catches k%).",
      "  R@20%E: share caught reviewing the riskiest commits until 20% of the changed lines; per line: ranked by score per line.",
      "  Popt (1 = optimal, 0 = worst) and E@20%R (share of changed lines reviewed to catch 20% of the defects, lower is better):",
      "  ranked by score per line, as JITLine and JIT-Smart publish them.",
    );
    for (const s of report.scorers) {
      const lift = s.figures.captureLift["10"];
      lines.push(
        `  ${LABELS[s.name] ?? s.name}: ${sanitizeLine(s.description)}; threshold ${num(s.figures.threshold)}` +
          (lift != null ? `; gating the riskiest 10% catches ${lift.toFixed(2)}× random` : ""),
      );
    }
  }
  for (const u of report.unavailable) lines.push(`  not measured — ${u.name}: ${sanitizeLine(u.why)}`);
  const first = report.scorers[0];
  if (first && first.months.length > 0) {
    lines.push("", `Per month (${LABELS[first.name] ?? first.name}, at its threshold):`);
    lines.push(
      ...table([
        ["month", "commits", "defects", "flagged", "caught", "false alarms", "precision", "recall", "AUC"],
        ...first.months.map((m) => [
          m.month,
          String(m.n),
          String(m.positives),
          String(m.flagged),
          String(m.truePositives),
          String(m.falseAlarms),
          pct(m.precision, 0),
          pct(m.recall, 0),
          num(m.rocAuc, 2),
        ]),
      ]),
    );
  }
  if (report.scorers.length === 0)
    lines.push("", "Nothing could be scored: see the reasons above, then run `dejafix eval` again.");
  return `${lines.join("\n")}\n`;
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows.map((row) =>
    `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")}`.trimEnd(),
  );
}

// ---------------------------------------------------------------------------------------------
// HTML

export function escapeHtml(text: string): string {
  return sanitizeLine(text).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

const COLORS = ["#d1495b", "#2e86ab", "#66a182", "#edae49"];
const SIZE = 320;
const PAD = 40;

/** A square chart of curves in [0,1]², with the chance diagonal and axis labels. */
function svgChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: { name: string; points: { x: number; y: number }[] }[],
): string {
  const px = (x: number) => (PAD + x * SIZE).toFixed(1);
  const py = (y: number) => (PAD + (1 - y) * SIZE).toFixed(1);
  const parts: string[] = [
    `<svg width="${SIZE + 2 * PAD + 140}" height="${SIZE + 2 * PAD}" role="img" aria-label="${escapeHtml(title)}">`,
    `<rect x="${PAD}" y="${PAD}" width="${SIZE}" height="${SIZE}" fill="none" stroke="#999"/>`,
  ];
  for (const t of [0.25, 0.5, 0.75]) {
    parts.push(
      `<line x1="${px(t)}" y1="${py(0)}" x2="${px(t)}" y2="${py(1)}" stroke="#eee"/>`,
      `<line x1="${px(0)}" y1="${py(t)}" x2="${px(1)}" y2="${py(t)}" stroke="#eee"/>`,
    );
  }
  for (const t of [0, 0.5, 1]) {
    parts.push(
      `<text x="${px(t)}" y="${PAD + SIZE + 14}" font-size="10" text-anchor="middle">${t}</text>`,
      `<text x="${PAD - 6}" y="${py(t)}" font-size="10" text-anchor="end" dominant-baseline="middle">${t}</text>`,
    );
  }
  parts.push(
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#aaa" stroke-dasharray="4 3"/>`,
    `<text x="${PAD + SIZE / 2}" y="${PAD + SIZE + 30}" font-size="11" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
    `<text x="12" y="${PAD + SIZE / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${PAD + SIZE / 2})">${escapeHtml(yLabel)}</text>`,
    `<text x="${PAD}" y="${PAD - 12}" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const d = s.points.map((p, k) => `${k === 0 ? "M" : "L"}${px(p.x)},${py(p.y)}`).join(" ");
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`,
      `<rect x="${PAD + SIZE + 12}" y="${PAD + 8 + i * 18}" width="10" height="10" fill="${color}"/>`,
      `<text x="${PAD + SIZE + 28}" y="${PAD + 17 + i * 18}" font-size="11">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push(
    `<text x="${PAD + SIZE + 28}" y="${PAD + 17 + series.length * 18}" font-size="11" fill="#777">chance</text>`,
    "</svg>",
  );
  return parts.join("\n");
}

/** One scorer's row of the figures table; `shareDigits` for the capture and effort shares. */
function figureCells(s: ScorerReport, shareDigits = 1): string[] {
  const f = s.figures;
  return [
    LABELS[s.name] ?? s.name,
    num(f.rocAuc),
    pct(f.precision),
    pct(f.recall),
    num(f.f1),
    pct(f.falseAlarmRate),
    ...GATING_SHARES.map((k) => pct(f.capture[String(k)] ?? null, shareDigits)),
    pct(f.recallAt20Effort, shareDigits),
    pct(f.recallAt20EffortDensity, shareDigits),
    num(f.poptDensity),
    pct(f.effortAt20RecallDensity, shareDigits),
  ];
}

function figuresRow(s: ScorerReport): string {
  const cells = figureCells(s);
  return `<tr>${cells.map((c, i) => (i === 0 ? `<th>${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join("")}</tr>`;
}

export function renderReplayHtml(report: ReplayReport): string {
  const r = report.replay;
  const name = (s: ScorerReport) => LABELS[s.name] ?? s.name;
  const roc = svgChart(
    "ROC",
    "false-alarm rate",
    "recall",
    report.scorers.map((s) => ({ name: name(s), points: s.curves.roc.map((p) => ({ x: p.fpr, y: p.tpr })) })),
  );
  const capture = svgChart(
    "Defects captured",
    "share of commits gated (riskiest first)",
    "share of defects captured",
    report.scorers.map((s) => ({
      name: name(s),
      points: s.curves.capture.map((p) => ({ x: p.gated, y: p.caught })),
    })),
  );
  const months = report.scorers
    .map(
      (s) => `<h3>${escapeHtml(name(s))} per month</h3>
<table><tr><th>month</th><th>commits</th><th>defects</th><th>flagged</th><th>caught</th><th>false alarms</th><th>precision</th><th>recall</th><th>AUC</th></tr>
${s.months
  .map(
    (m) =>
      `<tr><th>${m.month}</th><td>${m.n}</td><td>${m.positives}</td><td>${m.flagged}</td><td>${m.truePositives}</td><td>${m.falseAlarms}</td><td>${pct(m.precision, 0)}</td><td>${pct(m.recall, 0)}</td><td>${num(m.rocAuc, 2)}</td></tr>`,
  )
  .join("\n")}
</table>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>dejafix eval — ${escapeHtml(report.repo)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:right}
th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:1em}.note{color:#555}
</style></head><body>
<h1>dejafix eval — ${escapeHtml(report.repo)}</h1>
<p>Replayed ${r.commits} commits (${r.from ?? "?"} … ${r.to ?? "?"}), ${r.positives} defect-introducing; ${escapeHtml(labelSourceText(report))}.
Trained on the ${report.training.commits} earlier commits (${report.training.from ?? "?"} … ${report.training.to ?? "?"}).</p>
<table><tr><th></th><th>ROC AUC</th><th>precision</th><th>recall</th><th>F1</th><th>false alarms</th>${GATING_SHARES.map((k) => `<th>top ${k}%</th>`).join("")}<th>Recall@20%Effort</th><th>… ranked per line</th><th>Popt (per line)</th><th>Effort@20%Recall (per line)</th></tr>
${report.scorers.map(figuresRow).join("\n")}
</table>
<ul class="note">
${report.scorers.map((s) => `<li><b>${escapeHtml(name(s))}</b>: ${escapeHtml(s.description)}; threshold ${num(s.figures.threshold)}</li>`).join("\n")}
${report.unavailable.map((u) => `<li>not measured — <b>${escapeHtml(u.name)}</b>: ${escapeHtml(u.why)}</li>`).join("\n")}
</ul>
<p class="note">top k%: share of defect-introducing commits among the riskiest k% of commits (random gating catches k%).
Recall@20%Effort: share caught while reviewing, riskiest first, commits that add up to 20% of the changed lines
(… ranked per line: riskiest by score per changed line first).
Popt: area under the curve of defects caught against lines reviewed, ranked per line, between the worst ranking (0) and the optimal one (1).
Effort@20%Recall: share of the changed lines reviewed, ranked per line, until 20% of the defects are caught (lower is better).
False alarms: share of clean commits flagged at the threshold.</p>
<div class="charts">
${roc}
${capture}
</div>
${months}
</body></html>
`;
}
