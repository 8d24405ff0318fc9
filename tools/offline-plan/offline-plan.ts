/**
 * Offline plan of a synthesized stack: a scratch copy of `cdktf.out/stacks/<stack>`
 * with an override file (local backend, fake credentials, every AWS call
 * skipped), random resources swapped for announced stand-ins, then
 * `terraform init` from the provider mirror, `validate`, `plan -out` and
 * `show -json`. Nothing here talks to AWS or to a registry.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { swapRandomResources, type StandIn, type TfJson } from "./standins";
import { runTerraform, terraformEnv, writeCliConfig, type TerraformRun } from "./terraform";
import { summarizePlan, type PlanSummary } from "./summary";

/** Name of the override file written into every scratch copy. */
export const OVERRIDE_FILE = "offline_override.tf.json";

/** The override that makes a stack plannable offline. Values are placeholders, not credentials. */
export function offlineOverride(): Record<string, unknown> {
  return {
    terraform: { backend: { local: { path: "terraform.tfstate" } } },
    provider: {
      aws: [
        {
          access_key: "offline-plan-placeholder",
          secret_key: "offline-plan-placeholder",
          skip_credentials_validation: true,
          skip_requesting_account_id: true,
          skip_metadata_api_check: true,
          skip_region_validation: true,
          // no account id is requested offline, so the stack's allowed_account_ids cannot be checked
          allowed_account_ids: null,
        },
      ],
    },
  };
}

/** Settings for {@link planStack}. */
export interface PlanStackOptions {
  /** Path of the terraform binary. */
  readonly terraform: string;
  /** Provider mirror directory. */
  readonly mirror: string;
  /** Synthesized stack directory (holds cdk.tf.json). */
  readonly stackDir: string;
  /** Output directory for this stack (scratch copy, plan files). Kept between runs so init is cached. */
  readonly outDir: string;
  /** Stop after validate. @default false */
  readonly validateOnly?: boolean;
}

/** Outcome of one stack's offline plan. */
export interface StackPlanResult {
  readonly stack: string;
  readonly ok: boolean;
  /** The failing step and terraform's message, when not ok. */
  readonly error?: string;
  readonly standIns: readonly StandIn[];
  readonly seconds: Readonly<Record<"init" | "validate" | "plan" | "show", number>>;
  readonly planFile?: string;
  readonly planJsonFile?: string;
  /** The synthesized configuration that was planned (`<stackDir>/cdk.tf.json`). */
  readonly configFile?: string;
  readonly summary?: PlanSummary;
}

/** Build the scratch copy of a stack; returns the stand-ins it made. */
export function prepareScratch(stackDir: string, workDir: string): StandIn[] {
  const source = join(stackDir, "cdk.tf.json");
  if (!existsSync(source)) throw new Error(`${source} not found: synthesize first`);
  mkdirSync(workDir, { recursive: true });
  // keep .terraform (the initialized provider) but drop any stale configuration
  for (const entry of readdirSync(workDir)) {
    if (entry !== ".terraform" && entry !== ".terraform.lock.hcl")
      rmSync(join(workDir, entry), { recursive: true, force: true });
  }
  const doc = JSON.parse(readFileSync(source, "utf8")) as TfJson;
  const { doc: swapped, standIns } = swapRandomResources(doc);
  if (swapped.terraform) {
    delete swapped.terraform.backend;
    delete swapped.terraform.cloud;
  }
  writeFileSync(join(workDir, "cdk.tf.json"), JSON.stringify(swapped, null, 2));
  writeFileSync(join(workDir, OVERRIDE_FILE), JSON.stringify(offlineOverride(), null, 2));
  if (existsSync(join(stackDir, "assets")))
    cpSync(join(stackDir, "assets"), join(workDir, "assets"), { recursive: true });
  return standIns;
}

function failure(step: string, run: TerraformRun): string {
  const text = (run.stderr || run.stdout).trim();
  return `terraform ${step} failed (exit ${run.code}):\n${text}`;
}

/** Run the offline init/validate/plan/show of one stack. */
export async function planStack(stack: string, opts: PlanStackOptions): Promise<StackPlanResult> {
  const outDir = resolve(opts.outDir);
  const workDir = join(outDir, "work");
  const seconds = { init: 0, validate: 0, plan: 0, show: 0 };
  const standIns = prepareScratch(opts.stackDir, workDir);
  const env = terraformEnv({
    TF_CLI_CONFIG_FILE: writeCliConfig(outDir, opts.mirror),
  });
  const base = { stack, standIns, seconds };

  const init = await runTerraform(opts.terraform, ["init", "-input=false", "-no-color"], workDir, env);
  seconds.init = init.seconds;
  if (init.code !== 0) return { ...base, ok: false, error: failure("init", init) };
  const validate = await runTerraform(opts.terraform, ["validate", "-no-color"], workDir, env);
  seconds.validate = validate.seconds;
  if (validate.code !== 0) return { ...base, ok: false, error: failure("validate", validate) };
  if (opts.validateOnly) return { ...base, ok: true };

  const planFile = join(outDir, "plan.tfplan");
  const plan = await runTerraform(
    opts.terraform,
    ["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", `-out=${planFile}`],
    workDir,
    env,
  );
  seconds.plan = plan.seconds;
  writeFileSync(join(outDir, "plan.txt"), plan.stdout + plan.stderr);
  if (plan.code !== 0) return { ...base, ok: false, error: failure("plan", plan) };

  const show = await runTerraform(opts.terraform, ["show", "-json", "-no-color", planFile], workDir, env);
  seconds.show = show.seconds;
  if (show.code !== 0) return { ...base, ok: false, error: failure("show", show) };
  const planJsonFile = join(outDir, "plan.json");
  writeFileSync(planJsonFile, show.stdout);
  const summary = summarizePlan(JSON.parse(show.stdout));
  return {
    ...base,
    ok: true,
    planFile,
    planJsonFile,
    configFile: join(opts.stackDir, "cdk.tf.json"),
    summary,
  };
}
