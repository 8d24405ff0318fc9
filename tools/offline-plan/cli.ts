/**
 * `npm run plan:offline [-- <stack>...] [--no-synth] [--validate-only] [--out DIR]`
 *
 * Synthesizes every stack, then for each requested stack runs terraform
 * init/validate/plan offline and saves `plan.tfplan` and `plan.json` under
 * `.plan-out/<stack>/`, printing what would be created, updated, replaced and
 * deleted, by resource type.
 */
import { parseArgs } from "node:util";
import { synthesizeApp } from "../../stacks/app";
import { planAll } from "./run";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "no-synth": { type: "boolean", default: false },
      "validate-only": { type: "boolean", default: false },
      out: { type: "string", default: ".plan-out" },
      synth: { type: "string", default: "cdktf.out" },
    },
  });
  if (!values["no-synth"]) {
    const synth = synthesizeApp({ outdir: values.synth });
    for (const w of synth.warnings) console.warn(`warning: ${w}`);
    if (!synth.ok) {
      for (const e of synth.errors) console.error(`error: ${e}`);
      return 1;
    }
    console.log(`synthesized ${synth.stacks.join(", ")}`);
  }
  const results = await planAll({
    synthDir: values.synth,
    outDir: values.out,
    stacks: positionals,
    validateOnly: values["validate-only"],
  });
  const failed = results.filter((r) => !r.ok);
  console.log(
    `offline plan: ${results.length - failed.length} of ${results.length} stacks ok; plans in ${values.out}/<stack>/`,
  );
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`plan:offline: ${e.message}`);
    process.exit(2);
  },
);
