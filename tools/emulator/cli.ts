/**
 * `npx tsx tools/emulator/cli.ts [--env dev,prod] [--copy dev] [--short dev-lowcost] [--concurrency 3] [--out .e2e]`
 *
 * Starts moto on a free port of 127.0.0.1, runs the end-to-end scenario
 * (apply, SDK checks, no-op replan, state locking, destroy, state versions)
 * with the real aws provider and S3 backend, prints every step with counts
 * and timings, and stops moto again. Exit code 0 only when every step passed.
 */
import { parseArgs } from "node:util";
import { findMotoServer, motoVersion, MOTO_VERSION } from "./moto";
import { runScenarios, scenarioPrerequisites, type ScenarioResult } from "./scenario";

function summary(r: ScenarioResult): string {
  const lines = [
    "",
    `e2e ${r.environments.join(", ")} against ${r.endpoint}: ${r.ok ? "PASSED" : "FAILED"} in ${r.totalSeconds.toFixed(1)} s`,
    `  bootstrap applied ${r.counts.bootstrap}`,
  ];
  for (const [env, c] of Object.entries(r.counts.lanes))
    lines.push(
      `  ${env} (account ${r.accounts[env]}): applied ${c.applied}, destroyed ${c.destroyed}, state versions ${c.stateVersions}, redeployed ${c.redeployed}`,
    );
  for (const s of r.steps)
    lines.push(
      `  ${`[${s.env}]`.padEnd(16)} ${s.id.padEnd(5)} ${s.ok ? "ok    " : "FAILED"} ${s.seconds.toFixed(1).padStart(6)} s  ${s.title}`,
    );
  const standIns = Object.entries(r.standIns).filter(([, l]) => l.length);
  const workarounds = Object.entries(r.workarounds).filter(([, l]) => l.length);
  if (standIns.length || workarounds.length) lines.push("  emulator differences (tools/emulator/README.md):");
  for (const [stack, l] of standIns)
    lines.push(`    ${stack}: ${l.length} random resource(s) as terraform_data stand-ins`);
  for (const [stack, l] of workarounds)
    for (const w of l) lines.push(`    ${stack}: ${w.kind} ${w.resource} (${w.detail})`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      env: { type: "string", default: "dev" },
      copy: { type: "string" },
      short: { type: "string", default: "" },
      concurrency: { type: "string", default: "3" },
      out: { type: "string", default: ".e2e" },
      verbose: { type: "boolean", default: false },
    },
  });
  const missing = scenarioPrerequisites(findMotoServer);
  if (missing) {
    console.error(`e2e: cannot run: ${missing}`);
    return 2;
  }
  const installed = motoVersion(findMotoServer()!);
  if (installed !== MOTO_VERSION)
    console.warn(`e2e: warning: moto ${installed} installed, ${MOTO_VERSION} pinned`);
  const result = await runScenarios({
    environments: values.env
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean),
    isolationCopyOf: values.copy,
    shortLanes: values.short
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean),
    concurrency: Number(values.concurrency),
    workDir: values.out,
  });
  if (values.verbose)
    for (const s of result.steps)
      for (const c of s.checks)
        console.log(`  [${s.env}] ${s.id} ${c.ok ? "ok" : "FAILED"} ${c.name}: ${c.detail}`);
  console.log(summary(result));
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`e2e: ${e.stack ?? e.message}`);
    process.exit(2);
  },
);
