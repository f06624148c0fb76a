// Overview: nodes with their resources in use, deployments with replicas and live figures, and
// the latest decisions — all from the live stream.
import { fmtBytes, fmtNumber, fmtPercent, fmtTime, h, replace, section, stateBadge, table } from "../dom";
import { onLive } from "../live";
import type { DeploymentStatus, LiveEvent, NodeInfo, ScalingEvent } from "../types";

export function renderOverview(main: HTMLElement): () => void {
  const summary = h("p", { class: "summary", id: "summary" }, "Waiting for the node's status…");
  const nodes = h("div", { id: "nodes" });
  const deployments = h("div", { id: "deployments" });
  const events = h("div", { id: "events" });
  main.append(
    h("h1", {}, "Overview"),
    summary,
    section("Nodes", nodes),
    section("Deployments", deployments),
    section("Recent events", events),
  );
  return onLive((e) => draw(e));

  function draw(e: LiveEvent): void {
    const s = e.status;
    replace(
      summary,
      h("span", {}, "Node ", h("strong", {}, s.node), ` (${s.role}) · `),
      stateBadge(s.status),
      ` · store ${s.store} · cache ${s.cache} · bus ${s.bus} · up ${fmtNumber(s.uptime_s, 0)} s`,
    );
    replace(
      nodes,
      table<NodeInfo>(
        [
          { title: "Node", value: (n) => n.id },
          { title: "Address", value: (n) => n.address },
          { title: "Role", value: (n) => (n.is_head ? "head" : "worker") },
          { title: "State", value: (n) => n.state, render: (n) => stateBadge(n.state) },
          { title: "CPU in use", numeric: true, value: (n) => n.resources.total.cpu - n.resources.available.cpu, render: (n) => `${fmtNumber(n.resources.total.cpu - n.resources.available.cpu)} / ${fmtNumber(n.resources.total.cpu)}` },
          { title: "Memory in use", numeric: true, value: (n) => n.resources.total.memory_bytes - n.resources.available.memory_bytes, render: (n) => `${fmtBytes(n.resources.total.memory_bytes - n.resources.available.memory_bytes)} / ${fmtBytes(n.resources.total.memory_bytes)}` },
        ],
        s.nodes,
        { label: "Nodes" },
      ),
    );
    replace(
      deployments,
      table<DeploymentStatus>(
        [
          { title: "Deployment", value: (d) => d.name, render: (d) => h("a", { href: `#/deployment/${encodeURIComponent(d.name)}` }, d.name) },
          { title: "Status", value: (d) => d.status, render: (d) => stateBadge(d.status) },
          { title: "Running", numeric: true, value: (d) => d.num_replicas },
          { title: "Target", numeric: true, value: (d) => d.target_replicas },
          { title: "Min–max", value: (d) => `${d.min_replicas}–${d.max_replicas}` },
          { title: "Starting", numeric: true, value: (d) => d.starting_replicas + d.pending_replicas },
          { title: "Draining", numeric: true, value: (d) => d.draining_replicas },
          { title: "Req/s", numeric: true, value: (d) => e.samples[d.name]?.requests_per_s ?? 0 },
          { title: "p50 ms", numeric: true, value: (d) => e.samples[d.name]?.p50_ms ?? 0 },
          { title: "p99 ms", numeric: true, value: (d) => e.samples[d.name]?.p99_ms ?? 0 },
          { title: "Errors", numeric: true, value: (d) => e.samples[d.name]?.error_rate ?? 0, render: (d) => fmtPercent(e.samples[d.name]?.error_rate ?? 0, 1) },
          { title: "Ongoing", numeric: true, value: (d) => d.ongoing },
          { title: "Queued", numeric: true, value: (d) => d.queued },
        ],
        s.deployments,
        { label: "Deployments" },
      ),
    );
    const recent = [...s.events].reverse().slice(0, 15);
    replace(
      events,
      recent.length === 0
        ? h("p", { class: "muted" }, "No events yet.")
        : table<ScalingEvent>(
            [
              { title: "Time", value: (x) => fmtTime(x.time) },
              { title: "Deployment", value: (x) => x.deployment || "cluster" },
              { title: "Kind", value: (x) => x.kind },
              { title: "Change", value: (x) => (x.kind === "autoscale" || x.kind.startsWith("watcher") ? `${x.from} → ${x.to}` : x.replica) },
              { title: "Reason", value: (x) => x.reason },
            ],
            recent,
            { label: "Recent events" },
          ),
    );
  }
}
