// A small helper to build the DOM without a framework: h("div", {class: "x"}, children...).
export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value as EventListener);
    } else if (name === "value" && "value" in el) {
      (el as HTMLInputElement).value = String(value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

// A table with a header row; `sortable` makes each header a button that sorts the rows.
export interface Column<T> {
  title: string;
  value: (row: T) => string | number | null | undefined;
  render?: (row: T) => Child;
  numeric?: boolean;
}

export function table<T>(columns: Column<T>[], rows: T[], opts: { sortable?: boolean; label?: string } = {}): HTMLElement {
  let sortIndex = -1;
  let descending = false;
  const body = h("tbody");
  const fill = () => {
    const sorted = [...rows];
    if (sortIndex >= 0) {
      const col = columns[sortIndex];
      sorted.sort((a, b) => {
        const x = col.value(a);
        const y = col.value(b);
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;  // missing last, either way
        if (y === null || y === undefined) return -1;
        const c = x < y ? -1 : 1;
        return descending ? -c : c;
      });
    }
    replace(
      body,
      sorted.map((r) =>
        h("tr", {}, columns.map((c) => h("td", { class: c.numeric ? "num" : undefined }, c.render ? c.render(r) : fmtCell(c.value(r))))),
      ),
    );
  };
  const head = h(
    "tr",
    {},
    columns.map((c, i) => {
      if (!opts.sortable) return h("th", { scope: "col", class: c.numeric ? "num" : undefined }, c.title);
      const th = h("th", { scope: "col", class: c.numeric ? "num" : undefined, "aria-sort": "none" });
      const button = h("button", { type: "button", class: "sort" }, c.title);
      button.addEventListener("click", () => {
        descending = sortIndex === i ? !descending : c.numeric === true;
        sortIndex = i;
        head.querySelectorAll("th").forEach((t) => t.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        fill();
      });
      th.appendChild(button);
      return th;
    }),
  );
  fill();
  return h("div", { class: "table-wrap" }, h("table", { "aria-label": opts.label }, h("thead", {}, head), body));
}

function fmtCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return fmtNumber(v);
  return v;
}

export function fmtNumber(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString("en-US");
  return v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function fmtPercent(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const percent = v * 100;
  // A small non-zero figure keeps two significant digits instead of reading as zero.
  if (percent !== 0 && Math.abs(percent) < 0.5 * 10 ** -digits) return percent.toPrecision(2) + "%";
  return percent.toFixed(digits) + "%";
}

export function fmtBytes(v: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

// "2026-11-26T23:02:44.778626780Z" or UTC nanoseconds, as a short UTC time.
export function fmtTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined) return "—";
  const ms = typeof t === "number" ? t / 1e6 : Date.parse(t);
  if (!Number.isFinite(ms)) return String(t);
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

// Seconds since 1970 from an ISO time or UTC nanoseconds, for the charts.
export function toSeconds(t: string | number): number {
  return typeof t === "number" ? t / 1e9 : Date.parse(t) / 1000;
}

export function stateBadge(state: string): HTMLElement {
  return h("span", { class: `badge state-${state.toLowerCase()}` }, state);
}

export function section(title: string, ...children: (Child | Child[])[]): HTMLElement {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}
