// Logs: each node's log, filtered, and followed as it is written.
import { api, errorText } from "../api";
import { fmtBytes, h, replace } from "../dom";

interface LogList {
  directory: string;
  logs: { node: string; size: number; modified: number }[];
}

const MAX_LINES = 2000;

export function renderLogs(main: HTMLElement, args: string[]): () => void {
  const nodeSelect = h("select", { id: "log-node", "aria-label": "Node" });
  const filter = h("input", { type: "search", id: "log-filter", placeholder: "Filter (any case)", "aria-label": "Filter" });
  const follow = h("input", { type: "checkbox", id: "log-follow", checked: true });
  const info = h("p", { class: "muted", id: "log-info" });
  const output = h("pre", { class: "log", id: "log-lines", tabindex: "0", "aria-label": "Log lines" });
  main.append(
    h("h1", {}, "Logs"),
    h("div", { class: "card" }, h("div", { class: "row" }, h("label", {}, "Node ", nodeSelect), filter, h("label", {}, follow, " Follow")), info, output),
  );
  let source: EventSource | null = null;
  let timer = 0;

  const appendLines = (lines: string[]) => {
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 8;
    output.append(lines.map((l) => l + "\n").join(""));
    // Keep the page light: drop the oldest lines past the limit.
    while (output.childNodes.length > MAX_LINES) output.firstChild?.remove();
    if (atBottom) output.scrollTop = output.scrollHeight;
  };

  async function load(): Promise<void> {
    source?.close();
    source = null;
    const node = nodeSelect.value;
    if (!node) return;
    const q = encodeURIComponent(filter.value);
    try {
      const r = await api<{ lines: string[] }>(`/api/logs/${encodeURIComponent(node)}?lines=500&filter=${q}`);
      output.replaceChildren();
      appendLines(r.lines);
      output.scrollTop = output.scrollHeight;
    } catch (e) {
      replace(output, errorText(e));
      return;
    }
    if (follow.checked) {
      source = new EventSource(`/api/logs/${encodeURIComponent(node)}/stream?filter=${q}`);
      source.addEventListener("line", (m) => appendLines([JSON.parse((m as MessageEvent<string>).data) as string]));
    }
  }

  api<LogList>("/api/logs")
    .then((r) => {
      info.textContent = `${r.logs.length} logs in ${r.directory}`;
      replace(nodeSelect, r.logs.map((l) => h("option", { value: l.node }, `${l.node} (${fmtBytes(l.size)})`)));
      const wanted = args[0] ?? r.logs.find((l) => l.node !== "access" && l.node !== "watcher")?.node;
      if (wanted) nodeSelect.value = wanted;
      void load();
    })
    .catch((e) => (info.textContent = errorText(e)));
  nodeSelect.addEventListener("change", load);
  follow.addEventListener("change", load);
  filter.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(load, 300);
  });
  return () => {
    clearTimeout(timer);
    source?.close();
  };
}
