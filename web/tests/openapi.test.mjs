// /openapi.json validates against the OpenAPI 3 schema, and the control port passes it through.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv from "ajv";
import { getJson, startNode } from "./node.mjs";

let node;
before(async () => {
  node = await startNode(process.env.TC_BINARY, { TC_PROBE_DEPLOYMENT: "true" });
});
after(async () => node?.stop());

test("/openapi.json is a valid OpenAPI 3 document", async () => {
  const spec = await getJson(`${node.api}/openapi.json`);
  const result = await new Validator().validate(spec);
  assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
  assert.equal(spec.openapi.slice(0, 2), "3.");
});

test("the dashboard's origin serves the same document", async () => {
  assert.deepEqual(await getJson(`${node.dashboard}/openapi.json`), await getJson(`${node.api}/openapi.json`));
});

// The documented answer of `method pattern` for a real request: its JSON Schema.
function answerSchema(spec, method, pattern) {
  const op = spec.paths[pattern]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${pattern} is documented`);
  const response = op.responses["200"] ?? op.responses["2XX"];
  return response.content["application/json"].schema;
}

test("real answers match the documented schemas", async () => {
  const spec = await getJson(`${node.api}/openapi.json`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  const post = (body) => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const instruments = await getJson(`${node.api}/api/tickscrawler/instruments?limit=3`);
  const symbol = instruments.instruments[0].symbol;
  const run = await getJson(`${node.api}/api/algorunner/run`, post({ algorithm: "sma_crossover", symbols: [symbol], parameters: { fast_period: 5, slow_period: 20 }, wait: true }));
  const crawl = await getJson(`${node.api}/api/tickscrawler/crawl`, post({ source: "simulator", symbols: [symbol], kind: "bars", interval: "1h", wait: true }));
  const cases = [
    ["GET", "/api/tickscrawler/instruments", "/api/tickscrawler/instruments?limit=3"],
    ["GET", "/api/tickscrawler/sources", "/api/tickscrawler/sources"],
    ["GET", "/api/tickscrawler/status", "/api/tickscrawler/status"],
    ["GET", "/api/tickscrawler/historical", `/api/tickscrawler/historical?symbol=${symbol}&interval=1d&limit=5`],
    ["GET", "/api/tickscrawler/historical", `/api/tickscrawler/historical?symbol=${symbol}&limit=5`],
    ["GET", "/api/tickscrawler/crawls", "/api/tickscrawler/crawls"],
    ["GET", "/api/tickscrawler/crawls/{id}", `/api/tickscrawler/crawls/${crawl.id}`],
    ["GET", "/api/tickscrawler/streams", "/api/tickscrawler/streams"],
    ["GET", "/api/algorunner/algorithms", "/api/algorunner/algorithms"],
    ["GET", "/api/algorunner/status", "/api/algorunner/status"],
    ["GET", "/api/algorunner/runs", "/api/algorunner/runs"],
    ["GET", "/api/algorunner/runs/{id}", `/api/algorunner/runs/${run.id}`],
    ["GET", "/api/screener/filters", "/api/screener/filters"],
    ["GET", "/api/screener/status", "/api/screener/status"],
    ["GET", "/api/screener/market-overview", "/api/screener/market-overview"],
    ["GET", "/api/screener/custom-filter/{name}", "/api/screener/custom-filter/above_sma_200"],
    ["POST", "/api/screener/screen", "/api/screener/screen", { expression: "close > 0", fields: { rsi: "rsi(close, 14)", up: "close > open" } }],
    ["POST", "/api/screener/check", "/api/screener/check", { expression: "smaa(close, 3)" }],
    ["POST", "/api/algorunner/run", "/api/algorunner/run", { algorithm: "buy_and_hold", symbols: [symbol], sweep: { quantity: [1, 2] }, wait: true }],
  ];
  for (const [method, pattern, path, body] of cases) {
    const answer = await getJson(`${node.api}${path}`, body === undefined ? undefined : post(body));
    const validate = ajv.compile(answerSchema(spec, method, pattern));
    assert.ok(validate(answer), `${method} ${path}: ${ajv.errorsText(validate.errors)}`);
  }
  assert.ok(ajv.compile(answerSchema(spec, "POST", "/api/tickscrawler/crawl"))(crawl));
  assert.ok(ajv.compile(answerSchema(spec, "POST", "/api/algorunner/run"))(run));
});

test("errors have the documented shape", async () => {
  const spec = await getJson(`${node.api}/openapi.json`);
  const validate = new Ajv({ strict: false }).compile(spec.components.schemas.Error);
  for (const [path, init] of [
    ["/api/nope", undefined],
    ["/api/algorunner/run", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" }],
    ["/api/tickscrawler/historical", undefined],
  ]) {
    const r = await fetch(`${node.api}${path}`, init);
    assert.ok(r.status >= 400 && r.status < 500);
    assert.ok(validate(await r.json()), path);
  }
});
