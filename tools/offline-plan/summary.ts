/**
 * Per-stack change summary from `terraform show -json` output: how many
 * resources are created, updated, replaced and deleted, by resource type.
 */

/** The four kinds of change a reviewer cares about. */
export type ChangeKind = "create" | "update" | "replace" | "delete";

/** Counts per change kind, overall and per resource type. */
export interface PlanSummary {
  readonly totals: Readonly<Record<ChangeKind, number>>;
  readonly byType: Readonly<Record<string, Readonly<Record<ChangeKind, number>>>>;
}

interface ResourceChange {
  readonly type: string;
  readonly mode?: string;
  readonly change: { readonly actions: readonly string[] };
}

/** Classify a resource change's action list; undefined for no-op and read. */
export function changeKind(actions: readonly string[]): ChangeKind | undefined {
  if (actions.includes("create") && actions.includes("delete")) return "replace";
  if (actions.includes("create")) return "create";
  if (actions.includes("delete")) return "delete";
  if (actions.includes("update")) return "update";
  return undefined;
}

function zero(): Record<ChangeKind, number> {
  return { create: 0, update: 0, replace: 0, delete: 0 };
}

/** Summarize a plan JSON document. */
export function summarizePlan(plan: { resource_changes?: readonly ResourceChange[] }): PlanSummary {
  const totals = zero();
  const byType: Record<string, Record<ChangeKind, number>> = {};
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === "data") continue;
    const kind = changeKind(rc.change.actions);
    if (!kind) continue;
    totals[kind] += 1;
    (byType[rc.type] ??= zero())[kind] += 1;
  }
  return { totals, byType };
}

/** Render a summary as an aligned text table. */
export function formatSummary(stack: string, summary: PlanSummary): string {
  const { totals } = summary;
  const lines = [
    `${stack}: ${totals.create} to create, ${totals.update} to update, ${totals.replace} to replace, ${totals.delete} to delete`,
  ];
  const types = Object.keys(summary.byType).sort();
  const width = Math.max(13, ...types.map((t) => t.length));
  lines.push(`  ${"resource type".padEnd(width)}  create  update  replace  delete`);
  for (const t of types) {
    const c = summary.byType[t];
    lines.push(
      `  ${t.padEnd(width)}  ${String(c.create).padStart(6)}  ${String(c.update).padStart(6)}  ${String(c.replace).padStart(7)}  ${String(c.delete).padStart(6)}`,
    );
  }
  return lines.join("\n");
}
