/**
 * The README's table of checkov skips, generated from the environment files
 * and the state bootstrap's policy, so the documented reasons are always the
 * ones CI applies. `npx tsx tools/policy/skips-table.ts` prints it; a test
 * fails when the README's copy differs.
 */
import { loadEnvironments } from "../../stacks/config/load";
import { BOOTSTRAP_POLICY } from "../../stacks/state-bootstrap-policy";
import type { CheckovSkip } from "./schema";

/** Markdown table: environment, check, resource, reason. */
export function checkovSkipsTable(): string {
  const rows: Array<[string, CheckovSkip]> = [];
  for (const env of loadEnvironments().environments) {
    for (const skip of env.config.policy.checkovSkips) rows.push([env.config.name, skip]);
  }
  for (const skip of BOOTSTRAP_POLICY.checkovSkips ?? []) rows.push(["state-bootstrap", skip]);
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  return [
    "| environment | check | resource | reason |",
    "| --- | --- | --- | --- |",
    ...rows.map(
      ([env, s]) =>
        `| ${env} | ${s.id} | ${s.resource ? `\`${s.resource}\`` : "(all)"} | ${cell(s.reason)} |`,
    ),
  ].join("\n");
}

if (require.main === module) console.log(checkovSkipsTable());
