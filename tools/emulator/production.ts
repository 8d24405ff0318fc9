/**
 * How the scenario gets past production destroy protection: the documented
 * override, in one place.
 *
 * The override re-synthesizes with `ALLOW_PRODUCTION_DESTROY=<environment>`
 * in the environment of the synth. When the synthesized cluster still has
 * `deletion_protection = true`, it is turned off in the scratch copy and the
 * change is announced; `lifecycle.prevent_destroy` is never removed here, so a
 * synth that keeps it makes the override destroy fail.
 */
import type { TfJson } from "../offline-plan/standins";

/** The variable the synth reads to allow destroying a production environment. */
export const PRODUCTION_DESTROY_VARIABLE = "ALLOW_PRODUCTION_DESTROY";

/** Environment variables of the override synth that lifts the protection of production environment `env`. */
export function productionDestroyOverrideEnv(env: string): Record<string, string> {
  return { [PRODUCTION_DESTROY_VARIABLE]: env };
}

/**
 * The synthesized stack after the override: `deletion_protection` off on every
 * `aws_rds_cluster` that still has it (a copy is returned, with the addresses changed).
 */
export function applyProductionDestroyOverride(input: TfJson): { doc: TfJson; changed: string[] } {
  const doc = structuredClone(input);
  const changed: string[] = [];
  const clusters = (doc.resource?.aws_rds_cluster ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, cfg] of Object.entries(clusters)) {
    if (cfg.deletion_protection === true) {
      cfg.deletion_protection = false;
      changed.push(`aws_rds_cluster.${name}`);
    }
  }
  return { doc, changed };
}

/** Addresses of resources with `lifecycle.prevent_destroy = true`. */
export function preventDestroyResources(doc: TfJson): string[] {
  const out: string[] = [];
  for (const [type, byName] of Object.entries(doc.resource ?? {}))
    for (const [name, cfg] of Object.entries(byName as Record<string, Record<string, unknown>>))
      if ((cfg.lifecycle as { prevent_destroy?: unknown } | undefined)?.prevent_destroy === true)
        out.push(`${type}.${name}`);
  return out;
}
