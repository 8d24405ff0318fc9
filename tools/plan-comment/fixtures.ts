/**
 * Plan fixtures of the comment's tests: the offline plans of the shipped
 * stacks, trimmed to what the comment reads, and one plan crafted from the
 * dev plan with replacements and deletions (offline there is no state to
 * plan a replacement against, so the actions of real resource changes are
 * rewritten; everything else is the real plan's).
 *
 * `npx tsx tools/plan-comment/regenerate-fixtures.ts` rewrites them; a test
 * of the terraform project checks that they match fresh offline plans.
 */
import { join } from "node:path";
import type { PlanJson, PlanResourceChange } from "./render";

/** Folder of the committed fixtures. */
export const FIXTURES_DIR = join(__dirname, "fixtures");

/** File of one stack's trimmed offline plan. */
export function fixtureFile(stack: string): string {
  return join(FIXTURES_DIR, `${stack}.plan.json`);
}

/** The crafted replacement fixture. */
export const REPLACEMENT_FIXTURE = join(FIXTURES_DIR, "dev-replace-delete.plan.json");

/** A plan JSON trimmed to what the comment reads, resource changes sorted by address. */
export function trimPlan(plan: PlanJson): PlanJson {
  const changes = [...(plan.resource_changes ?? [])]
    .map((rc): PlanResourceChange => ({
      address: rc.address,
      type: rc.type,
      ...(rc.mode ? { mode: rc.mode } : {}),
      ...(rc.action_reason ? { action_reason: rc.action_reason } : {}),
      change: {
        actions: [...rc.change.actions],
        ...(rc.change.replace_paths ? { replace_paths: rc.change.replace_paths } : {}),
      },
    }))
    .sort((a, b) => a.address.localeCompare(b.address));
  return { format_version: plan.format_version, resource_changes: changes };
}

/**
 * The dev plan as a change to an applied dev stack: the cluster and its
 * instance replaced (the master user name forces a new cluster), the
 * database secret and one subnet deleted, the function updated, everything
 * else unchanged.
 */
export function craftReplacement(devPlan: PlanJson): PlanJson {
  const changes = (devPlan.resource_changes ?? []).map((rc): PlanResourceChange => {
    const base = { address: rc.address, type: rc.type, ...(rc.mode ? { mode: rc.mode } : {}) };
    if (rc.type === "aws_rds_cluster")
      return {
        ...base,
        action_reason: "replace_because_cannot_update",
        change: { actions: ["delete", "create"], replace_paths: [["master_username"]] },
      };
    if (rc.type === "aws_rds_cluster_instance")
      return {
        ...base,
        action_reason: "replace_because_cannot_update",
        change: { actions: ["delete", "create"], replace_paths: [["cluster_identifier"]] },
      };
    if (rc.type === "aws_secretsmanager_secret" && rc.address.includes("database"))
      return { ...base, action_reason: "delete_because_no_resource_config", change: { actions: ["delete"] } };
    if (rc.type === "aws_subnet" && rc.address === firstSubnet(devPlan))
      return { ...base, action_reason: "delete_because_no_resource_config", change: { actions: ["delete"] } };
    if (rc.type === "aws_lambda_function" && !rc.address.includes("bootstrap"))
      return { ...base, change: { actions: ["update"] } };
    return { ...base, change: { actions: ["no-op"] } };
  });
  return trimPlan({ format_version: devPlan.format_version, resource_changes: changes });
}

function firstSubnet(plan: PlanJson): string | undefined {
  return (plan.resource_changes ?? [])
    .filter((rc) => rc.type === "aws_subnet")
    .map((rc) => rc.address)
    .sort()[0];
}
