/**
 * `npx tsx tools/delivery/affected.ts <base cdktf.out> <head cdktf.out> [--exclude <prefix>]...`
 *
 * Prints, as a JSON array, the stacks of the head synth whose Terraform JSON
 * differs from the base synth's (or that the base does not have): the stacks a
 * pull request changes and that therefore get a plan. Lambda packages are
 * hashed into the JSON (source_code_hash), so a code change counts too. When
 * the base could not be synthesized (no manifest), every head stack counts.
 * `--exclude state-bootstrap` leaves out the stacks an administrator applies
 * by hand (the delivery roles cannot read or change their state).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { manifestStacks } from "../offline-plan/run";

/** The stack's Terraform JSON without cdktf's metadata block (paths and versions). */
function stackJson(dir: string): string | undefined {
  const file = join(dir, "cdk.tf.json");
  if (!existsSync(file)) return undefined;
  const doc = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  delete doc["//"];
  return JSON.stringify(doc);
}

/** Stacks of `headOut` whose synthesized JSON differs from `baseOut`'s, sorted. */
export function affectedStacks(baseOut: string, headOut: string, exclude: readonly string[] = []): string[] {
  const head = manifestStacks(headOut);
  const base = existsSync(join(baseOut, "manifest.json")) ? manifestStacks(baseOut) : {};
  return Object.keys(head)
    .filter((stack) => !exclude.some((prefix) => stack.startsWith(prefix)))
    .filter((stack) => !base[stack] || stackJson(base[stack]) !== stackJson(head[stack]))
    .sort();
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const exclude: string[] = [];
  for (let i = args.indexOf("--exclude"); i >= 0; i = args.indexOf("--exclude"))
    exclude.push(...args.splice(i, 2).slice(1));
  const [baseOut, headOut] = args;
  if (!baseOut || !headOut) {
    process.stderr.write("usage: affected.ts <base cdktf.out> <head cdktf.out>\n");
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(affectedStacks(baseOut, headOut, exclude))}\n`);
}
