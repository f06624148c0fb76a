// Builds the dashboard and the API docs page into one folder (its argument), which the C++ build
// embeds in the binary: type check, then bundle and minify with esbuild, then copy the pages
// and Swagger UI's files, and gzip the scripts and style sheets. Runs on Node 18 and later;
// needs `npm ci` first.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs OUTPUT_DIR");
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const require = createRequire(import.meta.url);
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "--noEmit", "-p", here], {
  stdio: "inherit",
});

const esbuild = await import("esbuild");
await esbuild.build({
  entryPoints: { app: join(here, "src/main.ts"), docs: join(here, "src/docs.ts") },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome100", "firefox100", "safari15"],
  outdir: out,
  legalComments: "none",
  logLevel: "warning",
});

const swagger = dirname(require.resolve("swagger-ui-dist/package.json"));
copyFileSync(join(swagger, "swagger-ui-bundle.js"), join(out, "swagger-ui-bundle.js"));
copyFileSync(join(swagger, "swagger-ui.css"), join(out, "swagger-ui.css"));
for (const file of ["index.html", "docs.html", "app.css", "favicon.svg"]) {
  writeFileSync(join(out, file), readFileSync(join(here, "static", file)));
}

// Scripts and style sheets also gzip-compressed, for the browsers that accept it (all do).
for (const file of readdirSync(out)) {
  if (!/\.(js|css)$/.test(file)) continue;
  const gz = gzipSync(readFileSync(join(out, file)), { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(join(out, `${file}.gz`), gz);
}
