// Market: find an instrument, chart its candles and volume at any interval from the stored
// history, append live trades while a stream carries it, and run crawls and streams.
import { CandlestickSeries, HistogramSeries, type CandlestickData, type UTCTimestamp } from "lightweight-charts";
import { api, canMutate, errorText } from "../api";
import { color, dropChart, makeChart } from "../charts";
import { fmtNumber, fmtTime, h, replace, section, stateBadge, table } from "../dom";
import type { Bar, Instrument, Job, Trade } from "../types";

const INTERVALS: Record<string, number> = { "1s": 1, "5s": 5, "15s": 15, "30s": 30, "1m": 60, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "4h": 14400, "1d": 86400 };
const MAX_BARS = 5000;

export function renderMarket(main: HTMLElement, _args: string[], query: URLSearchParams): () => void {
  let source = query.get("source") ?? "simulator";
  let symbol = query.get("symbol") ?? "";
  let interval = query.get("interval") ?? "1d";

  const search = h("input", { type: "search", id: "instrument-search", placeholder: "Symbol, name or sector", "aria-label": "Search instruments" });
  const sourceSelect = h("select", { id: "source", "aria-label": "Source" });
  const results = h("ul", { class: "picker", id: "instrument-results", "aria-label": "Instruments" });
  const intervalSelect = h("select", { id: "interval", "aria-label": "Interval" }, Object.keys(INTERVALS).map((i) => h("option", { value: i }, i)));
  intervalSelect.value = interval;
  const title = h("h2", { id: "chart-title" }, "Pick an instrument");
  const caption = h("p", { class: "muted", id: "chart-caption", "aria-live": "polite" });
  const chartBox = h("div", { class: "chart tall", id: "market-chart", role: "img", "aria-label": "Candlestick and volume chart" });
  const streamButton = h("button", { type: "button", id: "stream-toggle", class: "mutating" }, "Start stream");
  const crawlButton = h("button", { type: "button", id: "crawl", class: "mutating" }, "Crawl the last hour of trades");
  const actionError = h("p", { class: "error", role: "alert" });
  const jobs = h("div", { id: "jobs" });

  main.append(
    h("h1", {}, "Market"),
    h(
      "div",
      { class: "split" },
      h("aside", { class: "card" }, h("h2", {}, "Instruments"), h("div", { class: "row" }, sourceSelect), search, results),
      h(
        "div",
        { class: "card grow" },
        h("div", { class: "row" }, title, h("span", { class: "spacer" }), h("label", {}, "Interval ", intervalSelect), streamButton, crawlButton),
        caption,
        chartBox,
        actionError,
      ),
    ),
    section("Streams and crawls", jobs),
  );

  const chart = makeChart(chartBox);
  const candles = chart.addSeries(CandlestickSeries, { upColor: color("--good"), downColor: color("--bad"), borderVisible: false, wickUpColor: color("--good"), wickDownColor: color("--bad") });
  const volume = chart.addSeries(HistogramSeries, { priceScaleId: "volume", priceFormat: { type: "volume" }, color: color("--muted") });
  chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  candles.priceScale().applyOptions({ scaleMargins: { top: 0.05, bottom: 0.25 } });

  let live: EventSource | null = null;
  let lastBar: CandlestickData<UTCTimestamp> | null = null;
  let lastVolume = 0;
  let streamsRunning: Job[] = [];
  let timer = 0;
  let searchTimer = 0;
  let loadToken = 0;

  const setQuery = () => history.replaceState(null, "", `#/market?source=${encodeURIComponent(source)}&symbol=${encodeURIComponent(symbol)}&interval=${interval}`);

  async function loadSources(): Promise<void> {
    const r = await api<{ sources: { name: string; available: boolean }[] }>("/api/tickscrawler/sources");
    replace(sourceSelect, r.sources.filter((s) => s.available).map((s) => h("option", { value: s.name }, s.name)));
    sourceSelect.value = source;
  }

  async function findInstruments(): Promise<void> {
    const q = search.value.trim();
    try {
      const r = await api<{ instruments: Instrument[] }>(`/api/tickscrawler/instruments?source=${encodeURIComponent(source)}&limit=50${q ? "&search=" + encodeURIComponent(q) : ""}`);
      replace(
        results,
        r.instruments.length === 0
          ? h("li", { class: "muted" }, "No instrument matches.")
          : r.instruments.map((i) =>
              h(
                "li",
                {},
                h(
                  "button",
                  { type: "button", class: i.symbol === symbol ? "picked" : undefined, "data-symbol": i.symbol, onclick: () => pick(i.symbol) },
                  h("strong", {}, i.symbol),
                  h("span", { class: "muted" }, ` ${i.name} · ${i.sector}`),
                ),
              ),
            ),
      );
    } catch (e) {
      replace(results, h("li", { class: "error" }, errorText(e)));
    }
  }

  function pick(s: string): void {
    symbol = s;
    setQuery();
    results.querySelectorAll("button").forEach((b) => b.classList.toggle("picked", b.dataset.symbol === s));
    void loadBars();
  }

  async function loadBars(): Promise<void> {
    if (!symbol) return;
    const mine = ++loadToken;
    stopLive();
    title.textContent = `${symbol} · ${interval}`;
    caption.textContent = "Loading…";
    const seconds = INTERVALS[interval];
    const start = new Date(Date.now() - seconds * 1000 * MAX_BARS).toISOString();
    const bars: Bar[] = [];
    let cursor = "";
    let from = "";
    try {
      do {
        const r = await api<{ bars: Bar[]; next_cursor: string | null; bars_from?: string }>(
          `/api/tickscrawler/historical?source=${encodeURIComponent(source)}&symbol=${encodeURIComponent(symbol)}&interval=${interval}&start=${start}&limit=1000${cursor ? "&cursor=" + cursor : ""}`,
        );
        if (mine !== loadToken) return;
        bars.push(...r.bars);
        from = r.bars_from ?? from;
        cursor = r.next_cursor ?? "";
      } while (cursor && bars.length < MAX_BARS);
    } catch (e) {
      caption.textContent = errorText(e);
      return;
    }
    const data = bars.map((b) => ({ time: Math.floor(Date.parse(b.open_time) / 1000) as UTCTimestamp, open: b.open, high: b.high, low: b.low, close: b.close }));
    candles.setData(data);
    volume.setData(bars.map((b, i) => ({ time: data[i].time, value: b.volume, color: b.close >= b.open ? color("--good-soft") : color("--bad-soft") })));
    lastBar = data.length ? { ...data[data.length - 1] } : null;
    lastVolume = bars.length ? bars[bars.length - 1].volume : 0;
    chartBox.dataset.candles = String(data.length);
    caption.textContent = data.length ? `${data.length} candles${from ? " from " + from : ""}, ${fmtTime(bars[0].open_time)} to ${fmtTime(bars[bars.length - 1].open_time)}` : "No stored history in this range: crawl it, or start a stream.";
    chart.timeScale().fitContent();
    followLive();
  }

  // Appends each trade of a running stream to the last candle, or opens a new one.
  function followLive(): void {
    const stream = streamsRunning.find((j) => (j.params.symbols as string[]).includes(symbol) && j.params.source === source);
    streamButton.textContent = stream ? "Stop stream" : "Start stream";
    streamButton.dataset.stream = stream?.id ?? "";
    if (!stream || live) return;
    live = new EventSource(`/api/tickscrawler/stream/${stream.id}/events`);
    live.addEventListener("trade", (m) => {
      const t = JSON.parse((m as MessageEvent<string>).data) as Trade;
      if (t.symbol !== symbol) return;
      const seconds = INTERVALS[interval];
      const open = (Math.floor(Date.parse(t.ts_event) / 1000 / seconds) * seconds) as UTCTimestamp;
      if (lastBar && open < lastBar.time) return;
      if (!lastBar || open > lastBar.time) {
        lastBar = { time: open, open: t.price, high: t.price, low: t.price, close: t.price };
        lastVolume = 0;
        chartBox.dataset.candles = String(Number(chartBox.dataset.candles ?? 0) + 1);
      } else {
        lastBar = { ...lastBar, high: Math.max(lastBar.high, t.price), low: Math.min(lastBar.low, t.price), close: t.price };
      }
      lastVolume += t.size;
      candles.update(lastBar);
      volume.update({ time: open, value: lastVolume, color: lastBar.close >= lastBar.open ? color("--good-soft") : color("--bad-soft") });
      caption.textContent = `live: last trade ${fmtNumber(t.price, 8)} × ${fmtNumber(t.size, 8)} at ${fmtTime(t.ts_event)}`;
    });
    live.addEventListener("end", () => stopLive());
  }

  function stopLive(): void {
    live?.close();
    live = null;
  }

  async function refreshJobs(): Promise<void> {
    try {
      const [streams, crawls] = await Promise.all([
        api<{ streams: Job[] }>("/api/tickscrawler/streams?limit=20"),
        api<{ crawls: Job[] }>("/api/tickscrawler/crawls?limit=20"),
      ]);
      streamsRunning = streams.streams.filter((j) => j.state === "running" || j.state === "pending");
      const all = [...streams.streams, ...crawls.crawls].sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, 20);
      replace(
        jobs,
        all.length === 0
          ? h("p", { class: "muted" }, "No crawl or stream yet.")
          : table<Job>(
              [
                { title: "Kind", value: (j) => j.kind },
                { title: "Source", value: (j) => String(j.params.source ?? "") },
                { title: "Symbols", value: (j) => ((j.params.symbols as string[]) ?? []).join(", ") },
                { title: "State", value: (j) => j.state, render: (j) => stateBadge(j.state) },
                { title: "Progress", value: (j) => j.progress, render: (j) => (j.kind === "stream" ? `${fmtNumber(Number(j.result?.ticks_stored ?? 0))} trades stored` : h("progress", { max: 1, value: j.progress, "aria-label": "progress" })) },
                { title: "Created", value: (j) => fmtTime(j.created_at) },
                {
                  title: "",
                  value: () => "",
                  render: (j) =>
                    (j.state === "running" || j.state === "pending") && canMutate()
                      ? h("button", { type: "button", class: "small mutating", onclick: () => stopJob(j) }, "Stop")
                      : null,
                },
              ],
              all,
              { label: "Streams and crawls" },
            ),
      );
      followLive();
    } catch (e) {
      replace(jobs, h("p", { class: "error" }, errorText(e)));
    }
  }

  async function stopJob(j: Job): Promise<void> {
    try {
      await api(j.kind === "stream" ? `/api/tickscrawler/stream/${j.id}` : `/api/tickscrawler/crawls/${j.id}`, { method: "DELETE" });
      await refreshJobs();
    } catch (e) {
      actionError.textContent = errorText(e);
    }
  }

  streamButton.addEventListener("click", async () => {
    actionError.textContent = "";
    if (!symbol) return;
    try {
      if (streamButton.dataset.stream) {
        await api(`/api/tickscrawler/stream/${streamButton.dataset.stream}`, { method: "DELETE" });
        stopLive();
      } else {
        await api("/api/tickscrawler/stream", { method: "POST", body: { source, symbols: [symbol] } });
      }
      await refreshJobs();
    } catch (e) {
      actionError.textContent = errorText(e);
    }
  });
  crawlButton.addEventListener("click", async () => {
    actionError.textContent = "";
    if (!symbol) return;
    try {
      await api("/api/tickscrawler/crawl", { method: "POST", body: { source, symbols: [symbol], wait: true } });
      await refreshJobs();
      await loadBars();
    } catch (e) {
      actionError.textContent = errorText(e);
    }
  });
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(findInstruments, 200);
  });
  sourceSelect.addEventListener("change", () => {
    source = sourceSelect.value;
    symbol = "";
    setQuery();
    void findInstruments();
  });
  intervalSelect.addEventListener("change", () => {
    interval = intervalSelect.value;
    setQuery();
    void loadBars();
  });

  void loadSources().then(findInstruments).catch((e) => replace(results, h("li", { class: "error" }, errorText(e))));
  void refreshJobs().then(() => loadBars());
  timer = window.setInterval(refreshJobs, 2000);
  return () => {
    clearInterval(timer);
    clearTimeout(searchTimer);
    stopLive();
    dropChart(chart);
  };
}
