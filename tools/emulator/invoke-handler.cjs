// Runs a Lambda function's deployment package in this Node process, as the
// emulator's stand-in for the invocation Terraform would make: unzips the
// archive Terraform deploys, loads its handler and calls it once with the
// invocation input (EMULATOR_INVOCATION_INPUT). Prints the result as one line,
// "EMULATOR INVOCATION RESULT <json>", and exits 1 when the handler throws.
//   node invoke-handler.cjs <archive.zip> <file.export>
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build step */
const { execFileSync } = require("node:child_process");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join, resolve } = require("node:path");

async function main() {
  const [archive, handlerName = "index.handler"] = process.argv.slice(2);
  if (!archive) throw new Error("usage: invoke-handler.cjs <archive.zip> <file.export>");
  const dot = handlerName.lastIndexOf(".");
  const dir = mkdtempSync(join(tmpdir(), "emulator-invoke-"));
  try {
    execFileSync("unzip", ["-q", resolve(archive), "-d", dir]);
    const mod = require(join(dir, handlerName.slice(0, dot)));
    const handler = mod[handlerName.slice(dot + 1)];
    if (typeof handler !== "function") throw new Error(`${handlerName} is not a function of the package`);
    const result = await handler(JSON.parse(process.env.EMULATOR_INVOCATION_INPUT || "{}"), undefined);
    console.log(`EMULATOR INVOCATION RESULT ${JSON.stringify(result ?? null)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`EMULATOR INVOCATION FAILED ${err && err.name}: ${err && err.message}`);
  process.exit(1);
});
