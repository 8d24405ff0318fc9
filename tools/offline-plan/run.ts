/**
 * Offline plans for every synthesized stack: locate terraform and the provider
 * mirror, plan stacks two at a time, print a summary per stack.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { planStack, type StackPlanResult } from "./offline-plan";
import { findProviderMirror, findTerraform } from "./terraform";
import { formatSummary } from "./summary";

/** Options of {@link planAll}. */
export interface PlanAllOptions {
  /** Synth output folder. @default cdktf.out */
  readonly synthDir?: string;
  /** Output folder for scratch copies and plans. @default .plan-out */
  readonly outDir?: string;
  /** Stacks to plan. @default every stack in the manifest */
  readonly stacks?: readonly string[];
  /** Stop after validate. @default false */
  readonly validateOnly?: boolean;
  /** Stacks planned at once. @default 2 */
  readonly concurrency?: number;
  /** Progress lines. @default console.log */
  readonly log?: (line: string) => void;
}

/** Stacks listed in a synth output's manifest.json. */
export function manifestStacks(synthDir: string): Record<string, string> {
  const manifestFile = join(synthDir, "manifest.json");
  if (!existsSync(manifestFile)) throw new Error(`${manifestFile} not found: synthesize first`);
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as {
    stacks: Record<string, { workingDirectory: string }>;
  };
  return Object.fromEntries(
    Object.entries(manifest.stacks).map(([name, s]) => [name, resolve(synthDir, s.workingDirectory)]),
  );
}

/** The notice printed whenever random resources were swapped. */
export function standInNotice(result: StackPlanResult): string | undefined {
  if (result.standIns.length === 0) return undefined;
  return (
    `${result.stack}: NOTE hashicorp/random cannot be installed offline; ${result.standIns.length} random resource(s) ` +
    `planned as terraform_data stand-ins (${result.standIns.map((s) => s.original).join(", ")}). ` +
    `The synthesized stack keeps the real random resources.`
  );
}

/** Plan every requested stack offline. Throws when terraform or the mirror is missing. */
export async function planAll(opts: PlanAllOptions = {}): Promise<StackPlanResult[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const terraform = findTerraform();
  if (!terraform) throw new Error("terraform not found on PATH (or TERRAFORM_BIN)");
  const mirror = findProviderMirror();
  if (!mirror) {
    throw new Error(
      "no provider mirror found: set TF_PROVIDER_MIRROR to the folder holding registry.terraform.io/",
    );
  }
  const synthDir = resolve(opts.synthDir ?? "cdktf.out");
  const outDir = resolve(opts.outDir ?? ".plan-out");
  const available = manifestStacks(synthDir);
  const wanted = opts.stacks?.length ? opts.stacks : Object.keys(available).sort();
  const unknown = wanted.filter((s) => !(s in available));
  if (unknown.length)
    throw new Error(
      `unknown stack(s): ${unknown.join(", ")} (synthesized: ${Object.keys(available).join(", ")})`,
    );

  const queue = [...wanted];
  const results: StackPlanResult[] = [];
  const worker = async () => {
    for (let stack = queue.shift(); stack; stack = queue.shift()) {
      const r = await planStack(stack, {
        terraform,
        mirror,
        stackDir: available[stack],
        outDir: join(outDir, stack),
        validateOnly: opts.validateOnly,
      });
      const notice = standInNotice(r);
      if (notice) log(notice);
      const t = r.seconds;
      log(
        `${stack}: ${r.ok ? "ok" : "FAILED"} (init ${t.init.toFixed(1)} s, validate ${t.validate.toFixed(1)} s, plan ${t.plan.toFixed(1)} s)`,
      );
      if (r.summary) log(formatSummary(stack, r.summary));
      if (r.error) log(r.error);
      results.push(r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
  return results.sort((a, b) => a.stack.localeCompare(b.stack));
}
