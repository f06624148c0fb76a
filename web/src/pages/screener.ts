// Screener: an expression editor that shows an error where it is as you type, the results
// (sortable, with the values used), saving as a custom filter, and the market overview.
import { api, canMutate, errorText } from "../api";
import { fmtNumber, fmtTime, h, replace, section, table, type Column } from "../dom";

interface Match {
  symbol: string;
  sector: string;
  values: Record<string, number | boolean | null>;
}
interface ScreenResult {
  matches: Match[];
  count: number;
  universe_size: number;
  as_of: string;
  elapsed_ms: number;
}
interface Filter {
  name: string;
  expression: string;
  description: string;
  builtin: boolean;
}
interface Mover {
  symbol: string;
  sector: string;
  close: number;
  change_pct: number;
  traded_value: number;
}
interface Overview {
  computed_at: string;
  universe_size: number;
  breadth: { advancers: number; decliners: number; unchanged: number };
  top_gainers: Mover[];
  top_losers: Mover[];
  most_active: Mover[];
  sectors: { sector: string; instruments: number; advancers: number; decliners: number; average_change_pct: number }[];
}

const DEFAULT_FIELDS = "close = close\nchange_pct = pct_change(close, 1)\nrsi = rsi(close, 14)";

interface Check {
  valid: boolean;
  type?: string;
  error?: { message: string; line?: number; column?: number };
}

export function renderScreener(main: HTMLElement): () => void {
  const editor = h("textarea", { id: "expression", rows: 3, spellcheck: "false", "aria-label": "Screen expression", "aria-describedby": "expression-status" }, "close > sma(close, 20)");
  editor.value = "close > sma(close, 20)";
  const status = h("div", { id: "expression-status", class: "expression-status", "aria-live": "polite" });
  const fields = h("textarea", { id: "fields", rows: 4, spellcheck: "false", "aria-label": "Fields, one name = expression per line" });
  fields.value = DEFAULT_FIELDS;
  const sortBy = h("input", { id: "sort-by", value: "rsi", "aria-label": "Sort by (a field or an expression)" });
  const interval = h("select", { id: "screen-interval", "aria-label": "Interval" }, ["1d", "4h", "1h", "15m", "5m", "1m"].map((i) => h("option", { value: i }, i)));
  const filterBox = h("div", { class: "filters", id: "filter-list" });
  const results = h("div", { id: "screen-results" });
  const resultInfo = h("p", { class: "muted", id: "screen-info", "aria-live": "polite" });
  const saveName = h("input", { id: "filter-name", placeholder: "my_filter", pattern: "[a-z0-9_]{1,64}", "aria-label": "Filter name" });
  const saveDescription = h("input", { id: "filter-description", placeholder: "What it finds", "aria-label": "Filter description" });
  const saveButton = h("button", { type: "button", id: "save-filter", class: "mutating" }, "Save as custom filter");
  const saveStatus = h("p", { role: "status" });
  const overview = h("div", { id: "market-overview" });

  main.append(
    h("h1", {}, "Screener"),
    h(
      "div",
      { class: "split" },
      h(
        "div",
        { class: "card grow" },
        h("h2", {}, "Screen"),
        h("label", { for: "expression" }, "Expression (must hold)"),
        editor,
        status,
        h("label", { for: "fields" }, "Fields: name = expression, one per line"),
        fields,
        h("div", { class: "row" }, h("label", {}, "Sort by ", sortBy), h("label", {}, "Interval ", interval)),
        h("div", { class: "row" }, saveName, saveDescription, saveButton),
        saveStatus,
      ),
      h("aside", { class: "card" }, h("h2", {}, "Filters"), h("p", { class: "muted" }, "Every filter ticked must hold too."), filterBox),
    ),
    section("Results", resultInfo, results),
    section("Market overview", overview),
  );

  let timer = 0;
  let running: AbortController | null = null;
  const selected = new Set<string>();

  function parseFields(): Record<string, string> | string {
    const out: Record<string, string> = {};
    for (const [i, raw] of fields.value.split("\n").entries()) {
      const line = raw.trim();
      if (!line) continue;
      const eq = line.indexOf("=");
      if (eq <= 0 || line[eq + 1] === "=") return `line ${i + 1} of the fields: expected name = expression`;
      out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    return out;
  }

  // The error under the line it is on, with a caret at its column.
  function showError(where: string, error: NonNullable<Check["error"]>, text: string): void {
    editor.setAttribute("aria-invalid", String(where === "expression"));
    const message = `${where}: ${error.message}`;
    if (!error.line || !error.column) {
      replace(status, h("span", { class: "error", role: "alert" }, message));
      return;
    }
    const source = text.split("\n")[error.line - 1] ?? "";
    replace(
      status,
      h("pre", { class: "pointer", "aria-hidden": "true" }, source + "\n" + " ".repeat(Math.max(0, error.column - 1)) + "^"),
      h("span", { class: "error", role: "alert" }, message),
    );
  }

  // Checks every expression of the screen without running it; the first error, if any.
  async function check(expression: string, f: Record<string, string>, signal: AbortSignal): Promise<boolean> {
    const items: [string, string, string][] = [];
    if (expression) items.push(["expression", expression, "condition"]);
    for (const [name, text] of Object.entries(f)) items.push([`fields.${name}`, text, "any"]);
    const answers = await Promise.all(items.map(([, text, as]) => api<Check>("/api/screener/check", { method: "POST", body: { expression: text, as }, signal })));
    const bad = answers.findIndex((a) => !a.valid);
    if (bad < 0) return true;
    showError(items[bad][0], answers[bad].error ?? { message: "invalid" }, items[bad][1]);
    return false;
  }

  async function run(): Promise<void> {
    running?.abort();
    const controller = new AbortController();
    running = controller;
    const expression = editor.value.trim();
    const f = parseFields();
    if (typeof f === "string") {
      replace(status, h("span", { class: "error", role: "alert" }, f));
      return;
    }
    const body: Record<string, unknown> = { interval: interval.value, fields: f, limit: 200 };
    if (expression) body.expression = expression;
    if (selected.size) body.filters = [...selected];
    if (sortBy.value.trim()) body.sort_by = sortBy.value.trim();
    if (!expression && !selected.size && !body.sort_by) {
      replace(status, h("span", { class: "muted" }, "Type an expression, tick a filter or sort."));
      return;
    }
    try {
      if (!(await check(expression, f, controller.signal))) return;
      const r = await api<ScreenResult>("/api/screener/screen", { method: "POST", body, signal: controller.signal });
      editor.removeAttribute("aria-invalid");
      replace(status, h("span", { class: "ok" }, "✓ valid"));
      resultInfo.textContent = `${r.count} of ${r.universe_size} instruments match at ${fmtTime(r.as_of)} (${fmtNumber(r.elapsed_ms)} ms)${r.count > r.matches.length ? `; the first ${r.matches.length} shown` : ""}`;
      const names = Object.keys(f);
      const columns: Column<Match>[] = [
        { title: "Symbol", value: (m) => m.symbol, render: (m) => h("a", { href: `#/market?symbol=${encodeURIComponent(m.symbol)}&interval=${interval.value}` }, m.symbol) },
        { title: "Sector", value: (m) => m.sector },
        ...names.map((n) => ({ title: n, numeric: true, value: (m: Match) => valueOf(m.values[n]) })),
      ];
      replace(results, table(columns, r.matches, { sortable: true, label: "Screen results" }));
    } catch (e) {
      if (controller.signal.aborted) return;
      replace(status, h("span", { class: "error", role: "alert" }, errorText(e)));
    }
  }

  const schedule = () => {
    clearTimeout(timer);
    timer = window.setTimeout(run, 250);
  };
  editor.addEventListener("input", schedule);
  fields.addEventListener("input", schedule);
  sortBy.addEventListener("input", schedule);
  interval.addEventListener("change", schedule);

  saveButton.addEventListener("click", async () => {
    saveStatus.className = "";
    try {
      await api("/api/screener/custom-filter", {
        method: "POST",
        body: { name: saveName.value.trim(), expression: editor.value.trim(), description: saveDescription.value.trim() || undefined },
      });
      saveStatus.textContent = `Saved as ${saveName.value.trim()}.`;
      void loadFilters();
    } catch (e) {
      saveStatus.className = "error";
      saveStatus.textContent = errorText(e);
    }
  });

  async function loadFilters(): Promise<void> {
    try {
      const r = await api<{ filters: Filter[] }>("/api/screener/filters");
      replace(
        filterBox,
        r.filters.map((f) => {
          const box = h("input", { type: "checkbox", value: f.name, checked: selected.has(f.name) });
          box.addEventListener("change", () => {
            if (box.checked) selected.add(f.name);
            else selected.delete(f.name);
            schedule();
          });
          const remove =
            !f.builtin && canMutate()
              ? h("button", { type: "button", class: "small ghost mutating", "aria-label": `Delete ${f.name}`, onclick: () => deleteFilter(f.name) }, "×")
              : null;
          return h("div", { class: "filter" }, h("label", { title: f.expression }, box, ` ${f.name}`, f.builtin ? null : h("span", { class: "badge" }, "custom")), remove, h("div", { class: "muted small" }, f.description || f.expression));
        }),
      );
    } catch (e) {
      replace(filterBox, h("p", { class: "error" }, errorText(e)));
    }
  }

  async function deleteFilter(name: string): Promise<void> {
    try {
      await api(`/api/screener/custom-filter/${encodeURIComponent(name)}`, { method: "DELETE" });
      selected.delete(name);
      void loadFilters();
    } catch (e) {
      saveStatus.textContent = errorText(e);
    }
  }

  async function loadOverview(): Promise<void> {
    try {
      const o = await api<Overview>("/api/screener/market-overview");
      const movers = (title: string, rows: Mover[]) =>
        h(
          "div",
          {},
          h("h3", {}, title),
          table<Mover>(
            [
              { title: "Symbol", value: (m) => m.symbol, render: (m) => h("a", { href: `#/market?symbol=${encodeURIComponent(m.symbol)}` }, m.symbol) },
              { title: "Close", numeric: true, value: (m) => m.close },
              { title: "Change %", numeric: true, value: (m) => m.change_pct },
              { title: "Traded value", numeric: true, value: (m) => m.traded_value },
            ],
            rows,
            { label: title },
          ),
        );
      replace(
        overview,
        h("p", {}, `${o.breadth.advancers} advancing, ${o.breadth.decliners} declining, ${o.breadth.unchanged} unchanged of ${o.universe_size} · computed ${fmtTime(o.computed_at)}`),
        h("div", { class: "grid3" }, movers("Top gainers", o.top_gainers), movers("Top losers", o.top_losers), movers("Most active", o.most_active)),
        h("h3", {}, "Sectors"),
        table(
          [
            { title: "Sector", value: (s: Overview["sectors"][number]) => s.sector },
            { title: "Instruments", numeric: true, value: (s) => s.instruments },
            { title: "Advancers", numeric: true, value: (s) => s.advancers },
            { title: "Decliners", numeric: true, value: (s) => s.decliners },
            { title: "Average change %", numeric: true, value: (s) => s.average_change_pct },
          ],
          o.sectors,
          { sortable: true, label: "Sectors" },
        ),
      );
    } catch (e) {
      replace(overview, h("p", { class: "error" }, errorText(e)));
    }
  }

  void loadFilters();
  void loadOverview();
  void run();
  return () => {
    clearTimeout(timer);
    running?.abort();
  };
}

function valueOf(v: number | boolean | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}
