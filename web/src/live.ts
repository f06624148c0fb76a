// The one event stream of the page: GET /api/cluster/stream sends the node's status and each
// deployment's figures every second. Pages subscribe; the browser reconnects by itself.
import type { LiveEvent } from "./types";

type Listener = (e: LiveEvent) => void;
const listeners = new Set<Listener>();
let last: LiveEvent | null = null;
let source: EventSource | null = null;

function setConnection(text: string, ok: boolean): void {
  const pill = document.getElementById("connection");
  if (!pill) return;
  pill.textContent = text;
  pill.classList.toggle("ok", ok);
  pill.classList.toggle("bad", !ok);
}

export function startLive(): void {
  if (source) return;
  source = new EventSource("/api/cluster/stream");
  source.addEventListener("status", (message) => {
    last = JSON.parse((message as MessageEvent<string>).data) as LiveEvent;
    setConnection(`live · ${last.status.node}`, true);
    listeners.forEach((l) => l(last as LiveEvent));
  });
  source.addEventListener("error", () => setConnection("reconnecting…", false));
}

// Calls `listener` with the latest event now (when there is one) and with each new one; returns
// the unsubscribe function.
export function onLive(listener: Listener): () => void {
  listeners.add(listener);
  if (last) listener(last);
  return () => listeners.delete(listener);
}

export function lastLive(): LiveEvent | null {
  return last;
}
