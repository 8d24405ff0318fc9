/**
 * Entry point (`cdktf synth`, or `npx tsx main.ts`): composes the stacks from
 * the environment files and synthesizes them. No resource logic lives here.
 *
 *   ENVIRONMENTS_DIR=<dir>  synthesize the environment files of this folder instead of stacks/environments
 *   DEVELOPER_CIDRS=a/32,b/32  developer addresses for non-production databases
 *   ALLOW_PRODUCTION_DESTROY=<env>  lift the destroy protection of that production environment
 */
import { synthesizeApp } from "./stacks/app";

const result = synthesizeApp();
// Warnings go to stdout, once: `cdktf synth` shows the app's stderr as errors,
// and prints the constructs' warnings (annotations) itself from the manifest.
for (const w of result.warnings) console.log(`warning: ${w}`);
for (const n of result.notices) console.log(`notice: ${n}`);
if (!process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS) {
  for (const w of result.annotations) console.log(`warning: ${w}`);
}
if (!result.ok) {
  for (const e of result.errors) console.error(`error: ${e}`);
  console.error(`synth rejected: ${result.errors.length} error(s); no stack was written`);
  process.exit(1);
}
console.log(`synthesized ${result.stacks.length} stacks into ${result.outdir}: ${result.stacks.join(", ")}`);
