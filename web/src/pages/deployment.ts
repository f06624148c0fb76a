// Deployment: its replicas, and charts of target and running replicas and of ongoing requests
// over time, with each autoscaling decision marked with its reason and numbers.
import { LineSeries, createSeriesMarkers, type SeriesMarker, type Time, type UTCTimestamp } from "lightweight-charts";
import { api, errorText } from "../api";
import { color, dropChart, makeChart } from "../charts";
import { fmtNumber, fmtTime, h, replace, section, stateBadge, table } from "../dom";
import { onLive } from "../live";
import type { ReplicaStatus, Sample, ScalingEvent } from "../types";

interface History {
  deployment: string;
  samples: Sample[];
  events: ScalingEvent[];
}

export function renderDeployment(main: HTMLElement, args: string[]): () => void {
  const name = args[0] ?? "";
  const info = h("p", { class: "summary" });
  const replicas = h("div");
  const decisions = h("div", { id: "decisions" });
  const replicaChart = h("div", { class: "chart", id: "replica-chart", role: "img", "aria-label": "Target and running replicas over time" });
  const loadChart = h("div", { class: "chart short", id: "load-chart", role: "img", "aria-label": "Ongoing and queued requests over time" });
  main.append(
    h("h1", {}, h("a", { href: "#/overview" }, "Overview"), " / ", name),
    info,
    section("Replicas over time", h("p", { class: "muted" }, "Target and running replicas; markers are autoscaling decisions."), replicaChart),
    section("Requests over time", loadChart),
    section("Autoscaling decisions", decisions),
    section("Replicas", replicas),
  );
  const chart = makeChart(replicaChart);
  const load = makeChart(loadChart);
  const target = chart.addSeries(LineSeries, { color: color("--accent"), lineWidth: 2, title: "target", lineType: 1 });
  const running = chart.addSeries(LineSeries, { color: color("--good"), lineWidth: 2, title: "running", lineType: 1 });
  const ongoing = load.addSeries(LineSeries, { color: color("--warn"), lineWidth: 2, title: "ongoing" });
  const queued = load.addSeries(LineSeries, { color: color("--bad"), lineWidth: 1, title: "queued" });
  const markers = createSeriesMarkers(target, []);
  let lastTime = 0;
  let firstTime = 0;  // of the first sample shown: older decisions are off the chart
  let events: ScalingEvent[] = [];

  const add = (s: Sample) => {
    const t = Math.floor(s.time / 1e9) as UTCTimestamp;
    if (t <= lastTime) return;  // one point per second at most
    lastTime = t;
    target.update({ time: t, value: s.target });
    running.update({ time: t, value: s.running });
    ongoing.update({ time: t, value: s.ongoing });
    queued.update({ time: t, value: s.queued });
  };
  const drawDecisions = () => {
    const autoscale = events.filter((e) => e.kind === "autoscale");
    const list: SeriesMarker<Time>[] = autoscale
      .filter((e) => e.time / 1e9 >= firstTime)
      .map((e) => ({
        time: Math.floor(e.time / 1e9) as UTCTimestamp,
        position: e.to > e.from ? "belowBar" : "aboveBar",
        shape: e.to > e.from ? "arrowUp" : "arrowDown",
        color: e.to > e.from ? color("--good") : color("--warn"),
        // "upscale 1→2 (load 1.2)": the reason's first word, the change and the load it used.
        text: `${e.reason.split(":")[0]} ${e.from}→${e.to} (load ${fmtNumber(e.load)})`,
      }));
    list.sort((a, b) => (a.time as number) - (b.time as number));
    markers.setMarkers(list);
    replicaChart.dataset.decisions = String(list.length);
    replace(
      decisions,
      autoscale.length === 0
        ? h("p", { class: "muted" }, "No autoscaling decision yet.")
        : table<ScalingEvent>(
            [
              { title: "Time", value: (e) => fmtTime(e.time) },
              { title: "From", numeric: true, value: (e) => e.from },
              { title: "To", numeric: true, value: (e) => e.to },
              { title: "Load", numeric: true, value: (e) => e.load },
              { title: "Reason", value: (e) => e.reason },
            ],
            [...autoscale].reverse(),
            { label: "Autoscaling decisions" },
          ),
    );
  };
  let stop = () => {};
  api<History>(`/api/deployments/${encodeURIComponent(name)}/history`)
    .then((history) => {
      firstTime = history.samples.length ? history.samples[0].time / 1e9 : Date.now() / 1000;
      history.samples.forEach(add);
      events = history.events;
      drawDecisions();
      chart.timeScale().fitContent();
      stop = onLive((e) => {
        const s = e.samples[name];
        if (s) add(s);
        const d = e.status.deployments.find((x) => x.name === name);
        if (!d) return;
        replace(info, stateBadge(d.status), ` · ${d.num_replicas} running of ${d.target_replicas} target (min ${d.min_replicas}, max ${d.max_replicas}) · ${d.ongoing} ongoing · ${d.queued} queued · average load ${fmtNumber(d.average_load)} · target ${d.config.target_ongoing_requests} ongoing per replica`);
        replace(
          replicas,
          table<ReplicaStatus>(
            [
              { title: "Replica", value: (r) => r.id },
              { title: "Node", value: (r) => r.node },
              { title: "State", value: (r) => r.state, render: (r) => stateBadge(r.state) },
              { title: "Health", value: (r) => r.health },
              { title: "Ongoing", numeric: true, value: (r) => r.ongoing },
              { title: "Handled", numeric: true, value: (r) => r.handled },
              { title: "Errors", numeric: true, value: (r) => r.errors },
              { title: "Started", value: (r) => fmtTime(r.started_at) },
            ],
            d.replicas,
            { label: "Replicas" },
          ),
        );
        const fresh = e.status.events.filter((x) => x.deployment === name && x.time > (events.length ? events[events.length - 1].time : 0));
        if (fresh.length) {
          events = events.concat(fresh);
          drawDecisions();
        }
      });
    })
    .catch((err) => replace(info, h("span", { class: "error", role: "alert" }, errorText(err))));
  return () => {
    stop();
    dropChart(chart);
    dropChart(load);
  };
}

