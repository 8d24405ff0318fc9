/**
 * `npm run plan-comment -- --stack <stack> --plan <plan.json> [--review <review.json>]
 *     [--env-dir <dir>] [--base-env-dir <dir>] [--run-url <url>] [--out <file>]`
 *
 * Prints (or writes) the markdown pull-request comment of one stack's plan:
 * `--plan` is `terraform show -json` output, `--review` the output of
 * `npm run policy -- <plan.json> --json`, `--env-dir`/`--base-env-dir` the
 * environment files of the pull request and of its base branch (the cost
 * delta; omitted for stacks without an environment file).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadEnvironments } from "../../stacks/config/load";
import type { EnvConfig } from "../../stacks/config/schema";
import { commentCost, commentReview, type ReviewLike } from "./inputs";
import { renderPlanComment, type PlanJson } from "./render";

function environment(dir: string | undefined, name: string): EnvConfig | undefined {
  if (!dir || !existsSync(dir)) return undefined;
  const loaded = loadEnvironments(dir);
  return loaded.environments.find((e) => e.config.name === name)?.config;
}

/** Run the CLI; returns the exit code. */
export function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      plan: { type: "string" },
      review: { type: "string" },
      "env-dir": { type: "string" },
      "base-env-dir": { type: "string" },
      "run-url": { type: "string" },
      out: { type: "string" },
    },
  });
  if (!values.stack || !values.plan) {
    process.stderr.write(
      "usage: plan-comment --stack <stack> --plan <plan.json> [--review <review.json>] ...\n",
    );
    return 2;
  }
  const plan = JSON.parse(readFileSync(values.plan, "utf8")) as PlanJson;
  let review;
  if (values.review) {
    const parsed = JSON.parse(readFileSync(values.review, "utf8")) as ReviewLike | ReviewLike[];
    review = commentReview(Array.isArray(parsed) ? parsed[0] : parsed);
  }
  const head = environment(values["env-dir"], values.stack);
  const base = environment(values["base-env-dir"], values.stack);
  const markdown = renderPlanComment({
    stack: values.stack,
    plan,
    review,
    cost: head ? commentCost(head, base) : undefined,
    runUrl: values["run-url"],
  });
  if (values.out) writeFileSync(values.out, markdown);
  else out(markdown);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
