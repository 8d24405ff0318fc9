/**
 * Rewrite the plan fixtures of tools/plan-comment from fresh offline plans of
 * every shipped stack (needs terraform and the provider mirror):
 *
 *   npx tsx tools/plan-comment/regenerate-fixtures.ts
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format } from "prettier";
import { synthesizeApp } from "../../stacks/app";
import { planAll } from "../offline-plan/run";
import { REPLACEMENT_FIXTURE, craftReplacement, fixtureFile, trimPlan } from "./fixtures";
import type { PlanJson } from "./render";

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "plan-comment-fixtures-"));
  const synth = synthesizeApp({ outdir: join(root, "cdktf.out") });
  if (!synth.ok) throw new Error(synth.errors.join("\n"));
  const results = await planAll({ synthDir: synth.outdir, outDir: join(root, "plans"), log: () => {} });
  // formatted the way `npm run lint` (prettier) wants them
  const json = (value: unknown) => format(JSON.stringify(value), { parser: "json" });
  for (const r of results) {
    if (!r.ok || !r.planJsonFile) throw new Error(`${r.stack}: ${r.error}`);
    const plan = JSON.parse(readFileSync(r.planJsonFile, "utf8")) as PlanJson;
    writeFileSync(fixtureFile(r.stack), await json(trimPlan(plan)));
    if (r.stack === "dev") writeFileSync(REPLACEMENT_FIXTURE, await json(craftReplacement(plan)));
    console.log(`wrote ${fixtureFile(r.stack)}`);
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
