// /openapi.json validates against the OpenAPI 3 schema, and the control port passes it through.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
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
