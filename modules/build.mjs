// Builds the package into dist/: compiled CommonJS + .d.ts (tsconfig.build.json),
// the db-bootstrap and secret rotation handlers bundled by esbuild (so synth needs neither esbuild
// nor pg), and the files the constructs read at synth time (the default
// migrations, the placeholder handler).
//
//   npm run build -w modules      (also runs before `npm pack`)
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", join(here, "tsconfig.build.json")],
  {
    stdio: "inherit",
  },
);
cpSync(join(here, "db-bootstrap", "migrations"), join(dist, "db-bootstrap", "migrations"), {
  recursive: true,
});
cpSync(join(here, "compute", "placeholder"), join(dist, "compute", "placeholder"), { recursive: true });

// the same esbuild build the sources run at synth time, so both give the same bytes
const { buildHandlerCode, PREBUILT_HANDLER } = require(join(dist, "db-bootstrap", "bundle.js"));
mkdirSync(dirname(PREBUILT_HANDLER), { recursive: true });
writeFileSync(PREBUILT_HANDLER, buildHandlerCode(join(here, "db-bootstrap", "handler", "index.ts")), {
  mode: 0o644,
});

const rotation = require(join(dist, "rotation", "bundle.js"));
mkdirSync(dirname(rotation.PREBUILT_ROTATION_HANDLER), { recursive: true });
writeFileSync(
  rotation.PREBUILT_ROTATION_HANDLER,
  buildHandlerCode(join(here, "rotation", "handler", "index.ts")),
  { mode: 0o644 },
);
