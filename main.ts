/**
 * Entry point (`cdktf synth`, or `npx tsx main.ts`): composes the stacks from
 * the environment files and synthesizes them. No resource logic lives here.
 *
 *   ENVIRONMENTS_DIR=<dir>  synthesize the environment files of another folder
 *   DEVELOPER_CIDRS=a/32,b/32  developer addresses for non-production databases
 */
import { synthesizeApp } from "./stacks/app";

const result = synthesizeApp();
for (const w of result.warnings) console.warn(`warning: ${w}`);
if (!result.ok) {
  for (const e of result.errors) console.error(`error: ${e}`);
  console.error(`synth rejected: ${result.errors.length} error(s); no stack was written`);
  process.exit(1);
}
console.log(`synthesized ${result.stacks.length} stacks into ${result.outdir}: ${result.stacks.join(", ")}`);
