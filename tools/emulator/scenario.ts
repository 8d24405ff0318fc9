/**
 * The end-to-end scenario against the local emulator, with the real aws
 * provider and the real S3 backend:
 *
 *  a. apply the state bootstrap stack (local backend): the state bucket, and
 *     the GitHub OIDC provider and delivery roles (checked against the synthesized documents);
 *  b. apply the environment's stack with its S3 backend in that bucket;
 *  c. read back through the AWS SDK what exists and compare with the environment file;
 *  d. a second plan of both stacks reports no changes;
 *  e. a plan while another terraform process holds the state lock fails with a
 *     lock error and leaves the state object unchanged;
 *  f. destroy the environment's stack: nothing is left behind;
 *  g. the state object's versions are in the bucket.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  HeadBucketCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
} from "@aws-sdk/client-s3";
import { synthesizeApp, applyDeveloperCidrs } from "../../stacks/app";
import { loadEnvironments, DEFAULT_ENVIRONMENTS_DIR } from "../../stacks/config/load";
import type { EnvConfig } from "../../stacks/config/schema";
import { manifestStacks } from "../offline-plan/run";
import type { StandIn, TfJson } from "../offline-plan/standins";
import {
  findProviderMirror,
  findTerraform,
  terraformEnv,
  writeCliConfig,
  type TerraformRun,
} from "../offline-plan/terraform";
import {
  awsClients,
  checkDeployment,
  checkDestroyed,
  checkStateBucket,
  objectExists,
  objectVersions,
  stateObject,
  type AwsClients,
  type Check,
  type Checks,
} from "./checks";
import { checkGithubRoles } from "./github-checks";
import { EMULATOR_NOTES, emulatorProcessEnv, startMoto, type MotoServer } from "./moto";
import { killGroup, runTerraformTracked, spawnTracked } from "./processes";
import { prepareEmulatorScratch, type EmulatorBackend } from "./overlay";
import type { Workaround } from "./workarounds";

/** Identifier of a scenario step. */
export type StepId = "synth" | "a" | "b" | "c" | "d" | "e" | "f" | "g";

/** Outcome of one step. */
export interface StepReport {
  readonly id: StepId;
  readonly title: string;
  readonly ok: boolean;
  /** Wall time of the step. */
  readonly seconds: number;
  /** One line: counts and what was seen. */
  readonly summary: string;
  /** The compared facts, when the step compares. */
  readonly checks: readonly Check[];
  /** Why it failed. */
  readonly error?: string;
}

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  /** Environment to deploy. @default "dev" */
  readonly environment?: string;
  /** Scratch folder (synth output, scratch copies, logs). @default `<repo>/.e2e` */
  readonly workDir?: string;
  /** A running emulator; otherwise one is started and stopped. */
  readonly moto?: MotoServer;
  /** Progress lines. @default console.log */
  readonly log?: (line: string) => void;
}

/** Everything the scenario did. */
export interface ScenarioResult {
  readonly ok: boolean;
  readonly environment: string;
  readonly endpoint: string;
  readonly steps: readonly StepReport[];
  /** Random resources swapped for stand-ins, per stack. */
  readonly standIns: Readonly<Record<string, readonly StandIn[]>>;
  /** Emulator workarounds, per stack. */
  readonly workarounds: Readonly<Record<string, readonly Workaround[]>>;
  /** Resources applied (b), destroyed (f), and the state object's versions (g). */
  readonly counts: { bootstrap: number; applied: number; destroyed: number; stateVersions: number };
  readonly totalSeconds: number;
}

const REPO = resolve(__dirname, "..", "..");

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function fmt(s: number): string {
  return `${s.toFixed(1)} s`;
}

function tfFailure(what: string, run: TerraformRun): Error {
  return new Error(
    `terraform ${what} failed (exit ${run.code}):\n${(run.stderr || run.stdout).trim().slice(-4000)}`,
  );
}

/** `Resources: N added` / `N destroyed` from an apply or destroy. */
export function resourceCount(output: string, kind: "added" | "destroyed"): number {
  const re =
    kind === "added" ? /Resources: (\d+) added/ : /Resources: (?:\d+ added, \d+ changed, )?(\d+) destroyed/;
  const m = re.exec(output);
  return m ? Number(m[1]) : -1;
}

/** The bootstrap stack that creates `bucket`, from a synth output. */
export function bootstrapStackFor(synthDir: string, bucket: string): string {
  const stacks = manifestStacks(synthDir);
  for (const [name, dir] of Object.entries(stacks)) {
    if (!name.startsWith("state-bootstrap")) continue;
    const doc = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as TfJson;
    const buckets = Object.values(doc.resource?.aws_s3_bucket ?? {}).map((b) => b.bucket);
    if (buckets.includes(bucket)) return name;
  }
  throw new Error(`no state bootstrap stack creates bucket ${bucket}`);
}

/** The S3 backend block of a synthesized stack. */
export function s3BackendOf(stackDir: string): { bucket: string; key: string; region: string } {
  const doc = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as TfJson;
  const s3 = (doc.terraform?.backend as Record<string, Record<string, string>> | undefined)?.s3;
  if (!s3)
    throw new Error(`${stackDir} has no S3 backend: the emulator scenario deploys with the S3 backend`);
  return { bucket: s3.bucket, key: s3.key, region: s3.region };
}

async function waitFor(
  what: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
  abort?: () => boolean,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (abort?.()) throw new Error(`gave up waiting for ${what}`);
    try {
      if (await probe()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The bucket exists with versioning and its policy: the S3 backend can use it. */
async function bucketReady(clients: AwsClients, bucket: string): Promise<boolean> {
  await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
  const v = await clients.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  if (v.Status !== "Enabled") return false;
  await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
  return true;
}

/** Run the scenario. Starts (and stops) an emulator unless one is given. */
export async function runScenario(opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  const started = process.hrtime.bigint();
  const log = opts.log ?? ((l: string) => console.log(l));
  const envName = opts.environment ?? "dev";
  const workDir = resolve(opts.workDir ?? join(REPO, ".e2e"));
  mkdirSync(workDir, { recursive: true });

  const terraform = findTerraform();
  if (!terraform) throw new Error("terraform not found on PATH (or TERRAFORM_BIN)");
  const mirror = findProviderMirror();
  if (!mirror) throw new Error("no provider mirror found: set TF_PROVIDER_MIRROR");

  const ownMoto = !opts.moto;
  const moto = opts.moto ?? (await startMoto({ logDir: workDir }));
  if (ownMoto) log(`emulator: moto on ${moto.endpoint} (pid ${moto.pid}), up in ${fmt(moto.startSeconds)}`);
  try {
    return await scenario(terraform, mirror, moto, envName, workDir, log, started);
  } finally {
    if (ownMoto) await moto.stop();
  }
}

async function scenario(
  terraform: string,
  mirror: string,
  moto: MotoServer,
  envName: string,
  workDir: string,
  log: (line: string) => void,
  started: bigint,
): Promise<ScenarioResult> {
  for (const note of EMULATOR_NOTES) log(note);
  const steps: StepReport[] = [];
  const standIns: Record<string, readonly StandIn[]> = {};
  const workarounds: Record<string, readonly Workaround[]> = {};
  const docs: Record<string, TfJson> = {};
  const counts = { bootstrap: 0, applied: 0, destroyed: 0, stateVersions: 0 };
  const report = (s: StepReport) => {
    steps.push(s);
    log(`${s.id}. ${s.title}: ${s.ok ? "ok" : "FAILED"} in ${fmt(s.seconds)}: ${s.summary}`);
    for (const c of s.checks.filter((x) => !x.ok)) log(`   FAILED check: ${c.name}: ${c.detail}`);
    if (s.error) log(`   ${s.error.split("\n").join("\n   ")}`);
  };
  const result = (): ScenarioResult => ({
    ok: steps.length > 0 && steps.every((s) => s.ok) && steps.some((s) => s.id === "g"),
    environment: envName,
    endpoint: moto.endpoint,
    steps,
    standIns,
    workarounds,
    counts,
    totalSeconds: seconds(started),
  });

  // --- synth and the environment the checks compare with
  let t = process.hrtime.bigint();
  const developerCidrs = process.env.DEVELOPER_CIDRS;
  const synth = synthesizeApp({ outdir: join(workDir, "cdktf.out"), developerCidrs });
  if (!synth.ok) {
    report({
      id: "synth",
      title: "synthesize",
      ok: false,
      seconds: seconds(t),
      summary: "rejected",
      checks: [],
      error: synth.errors.join("\n"),
    });
    return result();
  }
  const loaded = loadEnvironments(process.env.ENVIRONMENTS_DIR ?? DEFAULT_ENVIRONMENTS_DIR, (i) =>
    applyDeveloperCidrs(i, developerCidrs),
  );
  const env: EnvConfig | undefined = loaded.environments.find((e) => e.config.name === envName)?.config;
  if (!env)
    throw new Error(
      `environment ${envName} not found (have ${loaded.environments.map((e) => e.config.name).join(", ")})`,
    );
  const stacks = manifestStacks(synth.outdir);
  if (!stacks[envName]) throw new Error(`stack ${envName} was not synthesized`);
  const backend = s3BackendOf(stacks[envName]);
  const bootstrap = bootstrapStackFor(synth.outdir, backend.bucket);
  report({
    id: "synth",
    title: "synthesize",
    ok: true,
    seconds: seconds(t),
    summary: `${synth.stacks.join(", ")}; deploying ${bootstrap} then ${envName} (state s3://${backend.bucket}/${backend.key})`,
    checks: [],
  });

  const tfEnv = emulatorProcessEnv({ TF_CLI_CONFIG_FILE: writeCliConfig(workDir, mirror) }, terraformEnv());
  const tf = (dir: string, args: string[]) =>
    runTerraformTracked(terraform, args[0] === "state" ? args : [...args, "-no-color"], dir, tfEnv);
  const prepare = (stack: string, b: EmulatorBackend): string => {
    const dir = join(workDir, "work", stack);
    const scratch = prepareEmulatorScratch(stacks[stack], dir, { endpoint: moto.endpoint, backend: b });
    standIns[stack] = scratch.standIns;
    workarounds[stack] = scratch.workarounds;
    docs[stack] = scratch.doc;
    if (scratch.standIns.length) {
      log(
        `${stack}: NOTE hashicorp/random cannot be installed here; ${scratch.standIns.length} random resource(s) ` +
          `applied as terraform_data stand-ins (${scratch.standIns.map((s) => s.original).join(", ")}).`,
      );
    }
    for (const w of scratch.workarounds)
      log(`${stack}: EMULATOR WORKAROUND ${w.kind} ${w.resource}: ${w.detail} (${w.reason})`);
    return dir;
  };
  const bootDir = prepare(bootstrap, { type: "local" });
  const envDir = prepare(envName, { type: "s3", ...backend });
  const clients = awsClients(moto.endpoint, backend.region);

  try {
    // --- a + b: the environment's apply starts as soon as the state bucket is usable
    t = process.hrtime.bigint();
    let bootFailed = false;
    const bootRun = (async () => {
      const init = await tf(bootDir, ["init", "-input=false", "-reconfigure"]);
      if (init.code !== 0) throw tfFailure(`init (${bootstrap})`, init);
      const apply = await tf(bootDir, ["apply", "-auto-approve", "-input=false"]);
      if (apply.code !== 0) throw tfFailure(`apply (${bootstrap})`, apply);
      const applySeconds = seconds(t);
      // the bootstrap stack's no-op replan (step d) runs now, while the environment's apply waits on AWS
      const replan = await tf(bootDir, ["plan", "-input=false", "-detailed-exitcode"]);
      return { apply, seconds: applySeconds, replan };
    })().catch((e: Error) => {
      bootFailed = true;
      throw e;
    });
    const bootResult = bootRun.then(
      (r) => ({ ok: true as const, ...r }),
      (e: Error) => ({ ok: false as const, error: e }),
    );
    let envStartOffset = 0;
    const envRun = (async () => {
      await waitFor(
        `state bucket ${backend.bucket}`,
        120_000,
        () => bucketReady(clients, backend.bucket),
        () => bootFailed,
      );
      envStartOffset = seconds(t);
      const tb = process.hrtime.bigint();
      const init = await tf(envDir, ["init", "-input=false", "-reconfigure"]);
      if (init.code !== 0) throw tfFailure(`init (${envName})`, init);
      const apply = await tf(envDir, ["apply", "-auto-approve", "-input=false"]);
      if (apply.code !== 0) throw tfFailure(`apply (${envName})`, apply);
      return { apply, seconds: seconds(tb) };
    })();
    const envResult = envRun.then(
      (r) => ({ ok: true as const, ...r }),
      (e: Error) => ({ ok: false as const, error: e }),
    );

    const boot = await bootResult;
    let bucketChecks: Checks | undefined;
    if (boot.ok) {
      counts.bootstrap = resourceCount(boot.apply.stdout, "added");
      bucketChecks = await checkStateBucket(clients, backend.bucket);
      // the GitHub OIDC provider and delivery roles, when the delivery file asks for them
      if (docs[bootstrap].resource?.aws_iam_role) {
        const roleChecks = await checkGithubRoles(clients, docs[bootstrap]);
        bucketChecks.list.push(...roleChecks.list);
      }
    }
    report({
      id: "a",
      title: `apply ${bootstrap} (local backend)`,
      ok: boot.ok && bucketChecks!.failed.length === 0,
      seconds: boot.ok ? boot.seconds : seconds(t),
      summary: boot.ok
        ? `applied ${counts.bootstrap} resources; state bucket and GitHub roles: ${bucketChecks!.list.length - bucketChecks!.failed.length}/${bucketChecks!.list.length} checks ok`
        : "apply failed",
      checks: bucketChecks?.list ?? [],
      error: boot.ok ? undefined : boot.error.message,
    });
    const applied = await envResult;
    if (applied.ok) counts.applied = resourceCount(applied.apply.stdout, "added");
    report({
      id: "b",
      title: `apply ${envName} (S3 backend in the emulator, lock file on)`,
      ok: applied.ok,
      seconds: applied.ok ? applied.seconds : seconds(t) - envStartOffset,
      summary: applied.ok
        ? `applied ${counts.applied} resources (started ${fmt(envStartOffset)} into step a, once the bucket had versioning and its policy)`
        : "apply failed",
      checks: [],
      error: applied.ok ? undefined : applied.error.message,
    });
    if (!boot.ok || !applied.ok) return result();

    // --- c: what exists matches the environment file
    t = process.hrtime.bigint();
    const deployed = await checkDeployment(clients, env);
    const stateObj = await clients.s3.send(
      new GetObjectCommand({ Bucket: backend.bucket, Key: backend.key }),
    );
    const rawState = JSON.parse(await stateObj.Body!.transformToString()) as RawState;
    const stand = standInChecks(rawState, docs[envName], workarounds[envName]);
    const all = [...deployed.list, ...stand];
    report({
      id: "c",
      title: "check the deployment through the AWS SDK",
      ok: all.every((c) => c.ok),
      seconds: seconds(t),
      summary: `${all.filter((c) => c.ok).length}/${all.length} checks ok`,
      checks: all,
    });

    // --- d: no-op replan of both stacks
    t = process.hrtime.bigint();
    const envPlan = await tf(envDir, ["plan", "-input=false", "-detailed-exitcode"]);
    const bootPlan = boot.replan;
    const planOk = envPlan.code === 0 && bootPlan.code === 0;
    report({
      id: "d",
      title: "second plan reports no changes (-detailed-exitcode)",
      ok: planOk,
      seconds: seconds(t),
      summary: `${envName}: exit ${envPlan.code}${envPlan.code === 0 ? ", 0 changes" : ""}; ${bootstrap}: exit ${bootPlan.code}${bootPlan.code === 0 ? ", 0 changes" : ""} (planned during step b)`,
      checks: [],
      error: planOk
        ? undefined
        : [envPlan, bootPlan]
            .filter((p) => p.code !== 0)
            .map((p) =>
              (p.stdout + p.stderr)
                .split("\n")
                .filter((l) => !/Refreshing state|Reading|Read complete/.test(l))
                .join("\n"),
            )
            .join("\n"),
    });

    // --- e: state locking
    t = process.hrtime.bigint();
    const lock = await lockStep(terraform, tfEnv, envDir, clients, backend, tf);
    report({
      id: "e",
      title: "plan while another process holds the state lock",
      seconds: seconds(t),
      ...lock,
    });

    // --- f: destroy
    t = process.hrtime.bigint();
    const destroy = await tf(envDir, ["destroy", "-auto-approve", "-input=false"]);
    const destroyedAt = new Date();
    let destroyed: Check[] = [];
    if (destroy.code === 0) {
      counts.destroyed = resourceCount(destroy.stdout, "destroyed");
      destroyed = (await checkDestroyed(clients, env, { destroyedAt, stateBucket: backend.bucket })).list;
      const list = await tf(envDir, ["state", "list"]);
      destroyed.push({
        name: "state lists no resource",
        ok: list.code === 0 && list.stdout.trim() === "",
        detail: list.stdout.trim() || "(empty)",
      });
      destroyed.push({
        name: "destroyed as many resources as applied",
        ok: counts.destroyed === counts.applied,
        detail: `${counts.destroyed} destroyed, ${counts.applied} applied`,
      });
    }
    report({
      id: "f",
      title: `destroy ${envName}`,
      ok: destroy.code === 0 && destroyed.every((c) => c.ok),
      seconds: seconds(t),
      summary:
        destroy.code === 0
          ? `destroyed ${counts.destroyed} resources; ${destroyed.filter((c) => c.ok).length}/${destroyed.length} checks ok`
          : "destroy failed",
      checks: destroyed,
      error: destroy.code === 0 ? undefined : tfFailure("destroy", destroy).message,
    });

    // --- g: state versions
    t = process.hrtime.bigint();
    const versions = await objectVersions(clients, backend.bucket, backend.key);
    counts.stateVersions = versions.versions.length;
    const latest = await clients.s3.send(new GetObjectCommand({ Bucket: backend.bucket, Key: backend.key }));
    const state = JSON.parse(await latest.Body!.transformToString()) as {
      resources?: unknown[];
      serial?: number;
    };
    const head = await stateObject(clients, backend.bucket, backend.key);
    const g: Check[] = [
      {
        name: "several state versions",
        ok: versions.versions.length >= 3,
        detail: `${versions.versions.length} versions`,
      },
      {
        name: "no delete marker on the state key",
        ok: versions.deleteMarkers === 0,
        detail: `${versions.deleteMarkers}`,
      },
      {
        name: "latest state holds no resource",
        ok: (state.resources ?? []).length === 0,
        detail: `serial ${state.serial}, ${(state.resources ?? []).length} resources`,
      },
      {
        name: "state object encrypted (backend encrypt = true)",
        ok: head.encryption === "AES256",
        detail: head.encryption,
      },
      {
        name: "lock file released",
        ok: !(await objectExists(clients, backend.bucket, `${backend.key}.tflock`)),
        detail: `${backend.key}.tflock`,
      },
    ];
    report({
      id: "g",
      title: `state versions of s3://${backend.bucket}/${backend.key}`,
      ok: g.every((c) => c.ok),
      seconds: seconds(t),
      summary: `${versions.versions.length} versions (latest serial ${state.serial})`,
      checks: g,
    });
    return result();
  } finally {
    clients.destroy();
  }
}

/** A Terraform state file (format 4), as far as the checks read it. */
interface RawState {
  readonly serial?: number;
  readonly resources?: ReadonlyArray<{
    readonly mode: string;
    readonly type: string;
    readonly name: string;
    readonly instances: ReadonlyArray<{ attributes: Record<string, unknown>; dependencies?: string[] }>;
  }>;
}

/**
 * Each stand-in of a swapped resource is in the state with what the original
 * would have used: the real function's name, the payload, and its
 * dependencies (e.g. the database instance, so it ran after the database).
 */
export function standInChecks(state: RawState, doc: TfJson, applied: readonly Workaround[]): Check[] {
  const resources = state.resources ?? [];
  const fnNames = new Set(
    resources
      .filter((r) => r.mode === "managed" && r.type === "aws_lambda_function")
      .map((r) => r.instances[0]?.attributes.function_name),
  );
  return applied
    .filter((w) => w.kind === "stand-in")
    .map((w) => {
      const name = w.detail.replace(/^terraform_data\./, "");
      const r = resources.find((x) => x.type === "terraform_data" && x.name === name)?.instances[0];
      // a dynamic attribute is stored as { value, type } in the state file
      const raw = (r?.attributes.output ?? {}) as { value?: unknown; type?: unknown };
      const output = ("type" in raw && "value" in raw ? raw.value : raw) as {
        function_name?: string;
        input?: string;
      };
      const wanted = (
        (doc.resource?.terraform_data?.[name]?.depends_on as string[] | undefined) ?? []
      ).filter((d) => !d.startsWith("terraform_data."));
      const missing = wanted.filter((d) => !(r?.dependencies ?? []).includes(d));
      const ok =
        !!r &&
        !!output.function_name &&
        fnNames.has(output.function_name) &&
        typeof output.input === "string" &&
        missing.length === 0;
      return {
        name: `${w.detail} stands in for ${w.resource}`,
        ok,
        detail: r
          ? `function_name ${output.function_name}, input ${output.input}, after ${wanted.join(", ")}` +
            (missing.length ? `; missing dependencies ${missing.join(", ")}` : "")
          : "not in state",
      };
    });
}

/**
 * Hold the state lock with a second terraform process (`terraform console`
 * takes the lock for as long as it runs), then plan: the plan must fail with
 * a lock error naming the holder's lock ID, and the state object must keep
 * its ETag and version.
 */
async function lockStep(
  terraform: string,
  env: NodeJS.ProcessEnv,
  dir: string,
  clients: AwsClients,
  backend: { bucket: string; key: string },
  tf: (dir: string, args: string[]) => Promise<TerraformRun>,
): Promise<Pick<StepReport, "ok" | "summary" | "checks" | "error">> {
  const lockKey = `${backend.key}.tflock`;
  const before = await stateObject(clients, backend.bucket, backend.key);
  const holder = spawnTracked(terraform, ["console"], { cwd: dir, env, stdio: ["pipe", "pipe", "pipe"] });
  const holderOut: Buffer[] = [];
  holder.stdout!.on("data", (d: Buffer) => holderOut.push(d));
  holder.stderr!.on("data", (d: Buffer) => holderOut.push(d));
  const holderExit = new Promise<number>((done) => holder.once("exit", (code) => done(code ?? 1)));
  let exited = false;
  void holderExit.then(() => (exited = true));
  const checks: Check[] = [];
  try {
    await waitFor(
      "terraform console to take the lock",
      30_000,
      () => objectExists(clients, backend.bucket, lockKey),
      () => exited,
    );
    const lockObj = await clients.s3.send(new GetObjectCommand({ Bucket: backend.bucket, Key: lockKey }));
    const info = JSON.parse(await lockObj.Body!.transformToString()) as {
      ID?: string;
      Operation?: string;
      Who?: string;
    };
    checks.push({
      name: "lock file written by the holder",
      ok: !!info.ID,
      detail: `ID ${info.ID}, operation ${info.Operation}`,
    });
    const plan = await tf(dir, ["plan", "-input=false", "-lock-timeout=0s", "-detailed-exitcode"]);
    const text = plan.stdout + plan.stderr;
    checks.push({ name: "plan fails (exit 1)", ok: plan.code === 1, detail: `exit ${plan.code}` });
    checks.push({
      name: "plan reports the lock error and the holder's lock ID",
      ok: text.includes("Error acquiring the state lock") && !!info.ID && text.includes(info.ID),
      detail: (
        /Error acquiring the state lock[^\n]*/.exec(text)?.[0] ??
        text.trim().split("\n")[0] ??
        ""
      ).trim(),
    });
    checks.push({
      name: "the conditional PUT of the lock file was refused (412)",
      ok: /StatusCode: 412|PreconditionFailed/.test(text),
      detail: /PreconditionFailed[^\n]*/.exec(text)?.[0] ?? "no PreconditionFailed",
    });
    const after = await stateObject(clients, backend.bucket, backend.key);
    checks.push({
      name: "state object unchanged (ETag, version)",
      ok: after.etag === before.etag && after.versionId === before.versionId,
      detail: `before ${before.etag} ${before.versionId}, after ${after.etag} ${after.versionId}`,
    });
    holder.stdin!.end(); // console exits at end of input and releases the lock
    const code = await Promise.race([
      holderExit,
      new Promise<number>((r) => setTimeout(() => r(-1), 20_000)),
    ]);
    checks.push({
      name: "holder exits and releases the lock",
      ok: code === 0 && !(await objectExists(clients, backend.bucket, lockKey)),
      detail: `console exit ${code}`,
    });
    const ok = checks.every((c) => c.ok);
    return {
      ok,
      checks,
      summary: `terraform console held lock ${info.ID}; plan exit ${plan.code} with "Error acquiring the state lock"; state ETag/version unchanged: ${checks[4].ok}`,
    };
  } catch (e) {
    return {
      ok: false,
      checks,
      summary: "lock step failed",
      error: `${(e as Error).message}\n${Buffer.concat(holderOut).toString().slice(-2000)}`,
    };
  } finally {
    if (!exited && holder.pid) killGroup(holder.pid, "SIGKILL");
  }
}

/** Whether the emulator scenario can run here: terraform, the provider mirror and moto. */
export function scenarioPrerequisites(findMoto: () => string | undefined): string | undefined {
  if (!findTerraform()) return "no terraform binary on PATH";
  if (!findProviderMirror()) return "no provider mirror (set TF_PROVIDER_MIRROR)";
  if (!findMoto()) return "moto is not installed (run `bash tools/emulator/install-moto.sh`)";
  if (!existsSync(join(REPO, "tools", "emulator", "moto_server.py")))
    return "tools/emulator/moto_server.py missing";
  return undefined;
}
