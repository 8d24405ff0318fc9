/**
 * Compare two sets of offline plans resource by resource: which addresses
 * were added or removed, and, for the others, every planned attribute value
 * (`after`) and which attributes are unknown until apply (`after_unknown`).
 * Strings that hold JSON (IAM, trust, key, bucket and secret policies,
 * dashboard bodies) are compared as parsed JSON, so key order and spacing do
 * not count.
 *
 *   npx tsx tools/offline-plan/compare.ts <old-dir> <new-dir> [stack ...]
 *
 * Each directory holds `<stack>/plan.json` (as `npm run plan:offline` writes
 * to `.plan-out/`). Exits 1 when any stack differs.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

type Json = Record<string, unknown>;

/** One difference between the old and the new plan of a stack. */
export interface PlanDifference {
  /** Resource address. */
  readonly address: string;
  /**
   * `added`, `removed`, `moved` (a new address with the values of the removed
   * one named in `before`), or the attribute path that differs (`actions`,
   * `after.policy`, `after_unknown.arn`).
   */
  readonly what: string;
  /** Old value (parsed when it was a JSON string). */
  readonly before?: unknown;
  /** New value (parsed when it was a JSON string). */
  readonly after?: unknown;
}

/** A string holding a JSON object or array, parsed; anything else unchanged. */
function normalize(v: unknown): unknown {
  if (typeof v === "string" && /^\s*[[{]/.test(v)) {
    try {
      return normalize(JSON.parse(v));
    } catch {
      return v;
    }
  }
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  }
  return v;
}

/** Sorted-key JSON text, for comparing values. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

/** Differences below `path`, one per top-level attribute (values parsed and compared whole). */
function attributeDifferences(address: string, path: string, a: unknown, b: unknown): PlanDifference[] {
  const x = (a ?? {}) as Json;
  const y = (b ?? {}) as Json;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].sort().flatMap((k) => {
    const before = normalize(x[k]);
    const after = normalize(y[k]);
    return canonical(before) === canonical(after) ? [] : [{ address, what: `${path}.${k}`, before, after }];
  });
}

function changesByAddress(plan: Json): Map<string, Json> {
  const changes = (plan.resource_changes ?? []) as Json[];
  return new Map(changes.map((c) => [String(c.address), c]));
}

/** Type and planned values of a change, for recognizing a resource under a new address. */
function fingerprint(c: Json): string {
  const change = c.change as Json;
  return canonical([c.type, change.actions, normalize(change.after), change.after_unknown]);
}

/** Every difference between two plans (`terraform show -json`), in address order. */
export function comparePlans(oldPlan: Json, newPlan: Json): PlanDifference[] {
  const before = changesByAddress(oldPlan);
  const after = changesByAddress(newPlan);
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const out: PlanDifference[] = [];
  for (const address of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(address);
    const b = after.get(address);
    if (!a && b) {
      const i = removed.findIndex((r) => fingerprint(before.get(r)!) === fingerprint(b));
      if (i >= 0) out.push({ address, what: "moved", before: removed.splice(i, 1)[0] });
      else out.push({ address, what: "added" });
      continue;
    }
    if (!a || !b) continue;
    const ca = a.change as Json;
    const cb = b.change as Json;
    if (canonical(ca.actions) !== canonical(cb.actions)) {
      out.push({ address, what: "actions", before: ca.actions, after: cb.actions });
    }
    out.push(...attributeDifferences(address, "after", ca.after, cb.after));
    out.push(...attributeDifferences(address, "after_unknown", ca.after_unknown, cb.after_unknown));
  }
  out.push(...removed.map((address) => ({ address, what: "removed" })));
  return out.sort((x, y) => x.address.localeCompare(y.address));
}

function show(v: unknown): string {
  const text = JSON.stringify(v);
  return text === undefined ? "(absent)" : text.length > 400 ? `${text.slice(0, 400)}...` : text;
}

function main(argv: string[]): number {
  const [oldDir, newDir, ...only] = argv;
  if (!oldDir || !newDir) {
    console.error("usage: tsx tools/offline-plan/compare.ts <old-dir> <new-dir> [stack ...]");
    return 2;
  }
  const stacks =
    only.length > 0 ? only : readdirSync(oldDir).filter((s) => existsSync(join(oldDir, s, "plan.json")));
  let differs = false;
  for (const stack of stacks) {
    const read = (dir: string) => JSON.parse(readFileSync(join(dir, stack, "plan.json"), "utf8")) as Json;
    const diffs = comparePlans(read(oldDir), read(newDir));
    const count = changesByAddress(read(newDir)).size;
    console.log(
      `${stack}: ${diffs.length === 0 ? "same" : `${diffs.length} difference(s)`} (${count} resources)`,
    );
    for (const d of diffs) {
      const values =
        d.what === "added" || d.what === "removed"
          ? ""
          : d.what === "moved"
            ? ` from ${String(d.before)}, same values`
            : `: ${show(d.before)} -> ${show(d.after)}`;
      console.log(`  ${d.address} ${d.what}${values}`);
    }
    differs ||= diffs.length > 0;
  }
  return differs ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
