// Algorithms: a run form generated from each algorithm's parameter schema, the runs with their
// state and progress, and a run's equity and drawdown, metrics and trades, or a sweep's table
// and heat map.
import { AreaSeries, LineSeries, type UTCTimestamp } from "lightweight-charts";
import { api, canMutate, errorText } from "../api";
import { color, dropChart, makeChart } from "../charts";
import { fmtNumber, fmtPercent, fmtTime, h, replace, section, stateBadge, table } from "../dom";
import type { Algorithm, Job, Metrics } from "../types";

interface RunResult {
  metrics?: Metrics;
  equity_curve?: { time: string; equity: number }[];
  trades?: { symbol: string; side: string; quantity: number; entry_time: string; entry_price: number; exit_time: string; exit_price: number; pnl: number; fees: number }[];
  sweep?: { parameters: Record<string, number>; metrics: Metrics }[];
  combinations?: number;
}

const RATIOS = new Set(["total_return", "cagr", "volatility", "max_drawdown", "win_rate", "exposure"]);

function metricText(name: string, v: number | string | undefined): string {
  if (typeof v !== "number") return v === undefined ? "—" : fmtTime(v);
  return RATIOS.has(name) ? fmtPercent(v) : fmtNumber(v, 4);
}

export function renderAlgorithms(main: HTMLElement, args: string[]): () => void {
  if (args[0] === "run" && args[1]) return renderRun(main, args[1]);
  const select = h("select", { id: "algorithm", "aria-label": "Algorithm" });
  const description = h("p", { class: "muted" });
  const params = h("div", { class: "form-grid", id: "parameters" });
  const symbols = h("input", { id: "symbols", required: true, "aria-label": "Symbols, separated by commas" });
  const source = h("input", { id: "run-source", value: "simulator", "aria-label": "Source" });
  const interval = h("select", { id: "run-interval", "aria-label": "Interval" }, ["1d", "4h", "1h", "15m", "5m", "1m"].map((i) => h("option", { value: i }, i)));
  const start = h("input", { id: "run-start", placeholder: "YYYY-MM-DD (optional)", "aria-label": "Start" });
  const end = h("input", { id: "run-end", placeholder: "YYYY-MM-DD (optional)", "aria-label": "End" });
  const capital = h("input", { id: "initial-capital", type: "number", value: 100000, min: 1, step: "any", "aria-label": "Initial capital" });
  const fee = h("input", { id: "fee-rate", type: "number", value: 0, min: 0, step: "any", "aria-label": "Fee rate" });
  const slippage = h("input", { id: "slippage", type: "number", value: 0, min: 0, step: "any", "aria-label": "Slippage (bps)" });
  const mode = h("select", { id: "mode", "aria-label": "Mode" }, h("option", { value: "backtest" }, "backtest"), h("option", { value: "paper" }, "paper"));
  const submit = h("button", { type: "submit", id: "run-submit", class: "mutating" }, "Run");
  const formError = h("p", { class: "error", role: "alert", id: "run-error" });
  const runs = h("div", { id: "runs" });
  const form = h(
    "form",
    { class: "card", id: "run-form" },
    h("h2", {}, "New run"),
    h("div", { class: "row" }, h("label", {}, "Algorithm ", select), h("label", {}, "Mode ", mode)),
    description,
    h("h3", {}, "Parameters"),
    h("p", { class: "muted small" }, "Leave a value empty for its default. Several values separated by commas make a sweep: every combination runs."),
    params,
    h("h3", {}, "Data and account"),
    h(
      "div",
      { class: "form-grid" },
      h("label", {}, "Symbols", symbols),
      h("label", {}, "Source", source),
      h("label", {}, "Interval", interval),
      h("label", {}, "Start", start),
      h("label", {}, "End", end),
      h("label", {}, "Initial capital", capital),
      h("label", {}, "Fee rate", fee),
      h("label", {}, "Slippage (bps)", slippage),
    ),
    h("div", { class: "row" }, submit),
    formError,
  );
  main.append(h("h1", {}, "Algorithms"), form, section("Runs", runs));

  let algorithms: Algorithm[] = [];
  const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement>();

  function drawParameters(): void {
    const a = algorithms.find((x) => x.name === select.value);
    description.textContent = a?.description ?? "";
    inputs.clear();
    replace(
      params,
      Object.entries(a?.parameters ?? {}).map(([name, spec]) => {
        const input =
          spec.type === "expression"
            ? h("textarea", { rows: 2, spellcheck: "false", "data-param": name })
            : h("input", { "data-param": name, inputmode: "decimal", placeholder: spec.default === undefined ? "" : String(spec.default) });
        if (spec.type === "expression") input.value = String(spec.default ?? "");
        inputs.set(name, input);
        const range = spec.min !== undefined ? ` (${fmtNumber(spec.min, 8)}–${fmtNumber(spec.max, 8)}${spec.type === "int" ? ", whole" : ""})` : "";
        return h("label", {}, `${name}${range}`, input);
      }),
    );
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    formError.textContent = "";
    const a = algorithms.find((x) => x.name === select.value);
    if (!a) return;
    const parameters: Record<string, unknown> = {};
    const sweep: Record<string, unknown[]> = {};
    for (const [name, input] of inputs) {
      const text = input.value.trim();
      if (!text) continue;
      const spec = a.parameters[name];
      if (spec.type === "expression" || spec.type === "string") {
        parameters[name] = text;
        continue;
      }
      const values = text.split(",").map((t) => Number(t.trim()));
      if (values.some((v) => !Number.isFinite(v))) {
        formError.textContent = `${name}: '${text}' is not a number (or numbers separated by commas)`;
        return;
      }
      if (values.length > 1) sweep[name] = values;
      else parameters[name] = values[0];
    }
    const body: Record<string, unknown> = {
      algorithm: a.name,
      symbols: symbols.value.split(",").map((s) => s.trim()).filter(Boolean),
      parameters,
      source: source.value.trim(),
      interval: interval.value,
      mode: mode.value,
      initial_capital: Number(capital.value),
      fee_rate: Number(fee.value),
      slippage_bps: Number(slippage.value),
    };
    if (start.value.trim()) body.start = start.value.trim();
    if (end.value.trim()) body.end = end.value.trim();
    if (Object.keys(sweep).length) body.sweep = sweep;
    try {
      const job = await api<Job>("/api/algorunner/run", { method: "POST", body });
      location.hash = `#/algorithms/run/${job.id}`;
    } catch (err) {
      formError.textContent = errorText(err);
    }
  });
  select.addEventListener("change", drawParameters);

  async function refreshRuns(): Promise<void> {
    try {
      const r = await api<{ runs: Job[] }>("/api/algorunner/runs?limit=30");
      replace(
        runs,
        r.runs.length === 0
          ? h("p", { class: "muted" }, "No run yet.")
          : table<Job>(
              [
                { title: "Run", value: (j) => j.id, render: (j) => h("a", { href: `#/algorithms/run/${j.id}` }, j.id.slice(0, 8)) },
                { title: "Algorithm", value: (j) => String(j.params.algorithm) },
                { title: "Symbols", value: (j) => ((j.params.symbols as string[]) ?? []).join(", ") },
                { title: "Mode", value: (j) => String(j.params.mode ?? "backtest") + (j.params.sweep ? " sweep" : "") },
                { title: "State", value: (j) => j.state, render: (j) => stateBadge(j.state) },
                { title: "Progress", numeric: true, value: (j) => j.progress, render: (j) => h("progress", { max: 1, value: j.progress, "aria-label": "progress" }) },
                { title: "Created", value: (j) => fmtTime(j.created_at) },
              ],
              r.runs,
              { label: "Runs" },
            ),
      );
    } catch (e) {
      replace(runs, h("p", { class: "error" }, errorText(e)));
    }
  }

  api<{ algorithms: Algorithm[] }>("/api/algorunner/algorithms")
    .then((r) => {
      algorithms = r.algorithms.filter((a) => a.enabled);
      replace(select, algorithms.map((a) => h("option", { value: a.name }, a.name)));
      select.value = algorithms.some((a) => a.name === "sma_crossover") ? "sma_crossover" : algorithms[0]?.name ?? "";
      drawParameters();
    })
    .catch((e) => (formError.textContent = errorText(e)));
  api<{ instruments: { symbol: string }[] }>("/api/tickscrawler/instruments?source=simulator&limit=1")
    .then((r) => {
      if (!symbols.value && r.instruments[0]) symbols.value = r.instruments[0].symbol;
    })
    .catch(() => undefined);
  void refreshRuns();
  const timer = window.setInterval(refreshRuns, 2000);
  return () => clearInterval(timer);
}

function renderRun(main: HTMLElement, id: string): () => void {
  const header = h("p", { class: "summary", id: "run-summary" }, "Loading…");
  const stopButton = h("button", { type: "button", class: "mutating", id: "run-stop", hidden: true }, "Stop run");
  const body = h("div", { id: "run-body" });
  main.append(h("h1", {}, h("a", { href: "#/algorithms" }, "Algorithms"), ` / run ${id.slice(0, 8)}`), h("div", { class: "row" }, header, h("span", { class: "spacer" }), stopButton), body);
  let timer = 0;
  let drawn = "";
  const cleanups: (() => void)[] = [];

  stopButton.addEventListener("click", async () => {
    try {
      await api("/api/algorunner/stop", { method: "POST", body: { run_id: id } });
      void load();
    } catch (e) {
      header.append(h("span", { class: "error" }, " " + errorText(e)));
    }
  });

  async function load(): Promise<void> {
    let job: Job;
    try {
      job = await api<Job>(`/api/algorunner/runs/${encodeURIComponent(id)}`);
    } catch (e) {
      replace(header, h("span", { class: "error", role: "alert" }, errorText(e)));
      return;
    }
    const active = ["pending", "running", "stopping"].includes(job.state);
    stopButton.hidden = !active || !canMutate();
    replace(
      header,
      stateBadge(job.state),
      ` ${String(job.params.algorithm)} on ${((job.params.symbols as string[]) ?? []).join(", ")} · ${String(job.params.interval ?? "")} · progress `,
      h("progress", { max: 1, value: job.progress, "aria-label": "progress" }),
      ` ${fmtPercent(job.progress, 0)}`,
      job.error ? h("span", { class: "error" }, ` ${job.error.message}`) : null,
      job.stop_reason ? h("span", { class: "muted" }, ` (${job.stop_reason})`) : null,
    );
    const result = (job.result ?? {}) as RunResult;
    // Redraw when the result changed (a paper run's result is updated every second).
    const key = JSON.stringify([job.state, result.metrics, result.sweep?.length, result.equity_curve?.length]);
    if (key !== drawn) {
      drawn = key;
      cleanups.splice(0).forEach((c) => c());
      body.replaceChildren();
      if (result.sweep) drawSweep(body, result.sweep);
      else if (result.metrics) cleanups.push(drawResult(body, result));
    }
    clearTimeout(timer);
    if (active) timer = window.setTimeout(load, 1000);
  }
  void load();
  return () => {
    clearTimeout(timer);
    cleanups.forEach((c) => c());
  };
}

function drawResult(body: HTMLElement, result: RunResult): () => void {
  const equityBox = h("div", { class: "chart", id: "equity-chart", role: "img", "aria-label": "Equity over time" });
  const drawdownBox = h("div", { class: "chart short", id: "drawdown-chart", role: "img", "aria-label": "Drawdown over time" });
  const metrics = result.metrics ?? {};
  body.append(
    section("Equity", equityBox),
    section("Drawdown", drawdownBox),
    section(
      "Metrics",
      h(
        "dl",
        { class: "metrics", id: "metrics" },
        Object.entries(metrics).map(([k, v]) => h("div", {}, h("dt", {}, k.replaceAll("_", " ")), h("dd", {}, metricText(k, v)))),
      ),
    ),
    section(
      "Trades",
      table(
        [
          { title: "Symbol", value: (t: NonNullable<RunResult["trades"]>[number]) => t.symbol },
          { title: "Side", value: (t) => t.side },
          { title: "Quantity", numeric: true, value: (t) => t.quantity },
          { title: "Entry", value: (t) => fmtTime(t.entry_time) },
          { title: "Entry price", numeric: true, value: (t) => t.entry_price },
          { title: "Exit", value: (t) => fmtTime(t.exit_time) },
          { title: "Exit price", numeric: true, value: (t) => t.exit_price },
          { title: "P&L", numeric: true, value: (t) => t.pnl },
          { title: "Fees", numeric: true, value: (t) => t.fees },
        ],
        result.trades ?? [],
        { sortable: true, label: "Trades" },
      ),
    ),
  );
  const curve = result.equity_curve ?? [];
  const points = curve.map((p) => ({ time: Math.floor(Date.parse(p.time) / 1000) as UTCTimestamp, value: p.equity }));
  const equity = makeChart(equityBox);
  equity.addSeries(AreaSeries, { lineColor: color("--accent"), topColor: color("--accent-soft"), bottomColor: "transparent", lineWidth: 2 }).setData(points);
  equity.timeScale().fitContent();
  equityBox.dataset.points = String(points.length);
  let peak = -Infinity;
  const drawdown = makeChart(drawdownBox);
  drawdown
    .addSeries(LineSeries, { color: color("--bad"), lineWidth: 1, priceFormat: { type: "percent" } })
    .setData(
      points.map((p) => {
        peak = Math.max(peak, p.value);
        return { time: p.time, value: peak > 0 ? (p.value / peak - 1) * 100 : 0 };
      }),
    );
  drawdown.timeScale().fitContent();
  return () => {
    dropChart(equity);
    dropChart(drawdown);
  };
}

function drawSweep(body: HTMLElement, rows: NonNullable<RunResult["sweep"]>): void {
  const names = Object.keys(rows[0]?.parameters ?? {}).filter((n) => new Set(rows.map((r) => r.parameters[n])).size > 1);
  const metricNames = ["sharpe", "total_return", "max_drawdown", "cagr", "sortino", "profit_factor", "win_rate", "num_closed_trades"];
  const metric = h("select", { id: "heat-metric", "aria-label": "Metric of the heat map" }, metricNames.map((m) => h("option", { value: m }, m)));
  const heat = h("div", { id: "heatmap" });
  body.append(
    section(
      `Sweep: ${rows.length} combinations`,
      table(
        [
          ...names.map((n) => ({ title: n, numeric: true, value: (r: (typeof rows)[number]) => r.parameters[n] })),
          ...metricNames.map((m) => ({ title: m, numeric: true, value: (r: (typeof rows)[number]) => r.metrics[m] as number, render: (r: (typeof rows)[number]) => metricText(m, r.metrics[m]) })),
        ],
        rows,
        { sortable: true, label: "Sweep results" },
      ),
    ),
    section("Heat map", names.length === 2 ? h("label", {}, "Metric ", metric) : h("p", { class: "muted" }, "A heat map needs exactly two swept parameters."), heat),
  );
  if (names.length !== 2) return;
  const [xName, yName] = names;
  const xs = [...new Set(rows.map((r) => r.parameters[xName]))].sort((a, b) => a - b);
  const ys = [...new Set(rows.map((r) => r.parameters[yName]))].sort((a, b) => a - b);
  const draw = () => {
    const m = metric.value;
    const values = rows.map((r) => Number(r.metrics[m])).filter(Number.isFinite);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const better = m === "max_drawdown" ? -1 : 1;
    const cell = (x: number, y: number) => {
      const r = rows.find((q) => q.parameters[xName] === x && q.parameters[yName] === y);
      const v = r ? Number(r.metrics[m]) : NaN;
      if (!Number.isFinite(v)) return h("td", { class: "num" }, "—");
      const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      const good = better > 0 ? t : 1 - t;
      return h("td", { class: "num heat", style: `background: hsl(${Math.round(good * 120)} 60% 40% / 0.75)`, title: `${xName} ${x}, ${yName} ${y}: ${v}` }, metricText(m, v));
    };
    replace(
      heat,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "heatmap", "aria-label": `${m} by ${xName} and ${yName}` },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, `${yName} \\ ${xName}`), xs.map((x) => h("th", { scope: "col", class: "num" }, String(x))))),
          h("tbody", {}, ys.map((y) => h("tr", {}, h("th", { scope: "row", class: "num" }, String(y)), xs.map((x) => cell(x, y))))),
        ),
      ),
    );
  };
  metric.addEventListener("change", draw);
  draw();
}
