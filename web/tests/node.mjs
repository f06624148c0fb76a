// Starts the real binary on free ports in a temporary directory, for the browser tests.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Waits until `check` returns a truthy value (polling every 100 ms), or fails after `ms`.
export async function until(what, check, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startNode(binary, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), "tc-browser-"));
  const api = await freePort();
  const dashboard = await freePort();
  const child = spawn(binary, ["start"], {
    cwd: dir,
    env: {
      ...process.env,
      TC_PORT: String(api),
      TC_DASHBOARD_PORT: String(dashboard),
      TC_SIMULATOR_INSTRUMENTS: "12",
      TC_SIMULATOR_HISTORY_DAYS: "300",
      TC_NUM_CPUS: "4",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const node = {
    dir,
    api: `http://127.0.0.1:${api}`,
    dashboard: `http://127.0.0.1:${dashboard}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await Promise.race([new Promise((r) => child.once("exit", r)), new Promise((r) => setTimeout(r, 10000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await until("the node to be ready", async () => {
      if (child.exitCode !== null) throw new Error(`the node exited (${child.exitCode}): ${stderr}`);
      return (await fetch(`${node.dashboard}/health`)).ok;
    }, 60000);
  } catch (e) {
    await node.stop();
    throw new Error(`${e.message}\n${stderr}`);
  }
  return node;
}

export async function getJson(url, init) {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json();
}
