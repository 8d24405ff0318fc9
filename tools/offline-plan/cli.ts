/**
 * `npm run plan:offline [-- <stack>... | --stack <stack>...] [--no-synth] [--validate-only] [--out DIR]
 *                       [--no-review] [--checkov auto|on|off] [--checkov-enforce]]`
 *
 * Synthesizes every stack, then for each requested stack runs terraform
 * init/validate/plan offline and saves `plan.tfplan` and `plan.json` under
 * `.plan-out/<stack>/`, printing what would be created, updated, replaced and
 * deleted, by resource type. Then every plan JSON is reviewed by the policy
 * rules (tools/policy) and checkov (when installed, or always with
 * `--checkov on`), with the exceptions and skips of its environment file.
 */
import { parseArgs } from "node:util";
import { synthesizeApp } from "../../stacks/app";
import { loadEnvironments } from "../../stacks/config/load";
import { planAll } from "./run";
import { reviewPlans } from "./review";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "no-synth": { type: "boolean", default: false },
      "validate-only": { type: "boolean", default: false },
      out: { type: "string", default: ".plan-out" },
      synth: { type: "string", default: "cdktf.out" },
      "no-review": { type: "boolean", default: false },
      checkov: { type: "string", default: "auto" },
      "checkov-enforce": { type: "boolean", default: false },
      // the same spelling as `npm run plan-comment -- --stack <stack>`
      stack: { type: "string", multiple: true, default: [] },
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
    stacks: [...positionals, ...values.stack],
    validateOnly: values["validate-only"],
  });
  const failed = results.filter((r) => !r.ok);
  console.log(
    `offline plan: ${results.length - failed.length} of ${results.length} stacks ok; plans in ${values.out}/<stack>/`,
  );
  if (values["no-review"]) return failed.length === 0 ? 0 : 1;

  const checkov = values.checkov === "auto" ? "auto" : values.checkov === "on";
  const reviews = reviewPlans(results, loadEnvironments(process.env.ENVIRONMENTS_DIR).environments, {
    checkov,
    enforceCheckov: values["checkov-enforce"],
  });
  for (const { review } of reviews) console.log(`\n${review.report}`);
  const rejected = reviews.filter((r) => !r.review.ok).map((r) => r.stack);
  console.log(
    `policy review: ${reviews.length - rejected.length} of ${reviews.length} plans pass` +
      (rejected.length ? `; failing: ${rejected.join(", ")}` : ""),
  );
  return failed.length === 0 && rejected.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`plan:offline: ${e.message}`);
    process.exit(2);
  },
);
