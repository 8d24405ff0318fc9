/**
 * The end-to-end scenarios against the local emulator, with the real aws
 * provider and the real S3 backend, for several environments at once:
 *
 *  synth   one synth of every environment (plus a copy for the isolation step)
 *          into the scratch folder;
 *  a.      apply the state bootstrap stack (local backend): the state bucket,
 *          and the GitHub OIDC provider and delivery roles;
 *
 * then one lane per environment, the lanes running concurrently (at most
 * `concurrency` terraform processes at a time), each in an emulator account of
 * its own, with its own scratch copy and state key:
 *
 *  b. apply (the migration invocation runs the real db-bootstrap package locally);
 *  c. read back through the AWS SDK what exists and compare with the environment file;
 *  d. a second plan reports no changes;
 *  non-production:
 *  e. a plan while another terraform process holds the state lock fails and leaves the state unchanged;
 *  f. destroy: nothing of the environment is left;
 *  g. the state object's versions are in the bucket;
 *  h. apply again into the same state key (destroy, then redeploy);
 *  i. destroy again;
 *  short non-production lanes (`shortLanes`): b, c, d, f only;
 *  production:
 *  p. `terraform destroy` is refused and deletes nothing;
 *  q. the documented override, then destroy succeeds;
 *  isolation (a copy of one environment under another name, in the same account):
 *  k. distinct physical names, the copy applied while the environment applies, both checked,
 *     the copy destroyed (the environment's f waits for the checks);
 *  z. per account, once its lanes are done: nothing is left but the state bucket.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  HeadBucketCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
} from "@aws-sdk/client-s3";
import {
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
} from "@aws-sdk/client-rds";
import { synthesizeApp, applyDeveloperCidrs, type SynthResult } from "../../stacks/app";
import { loadEnvironments, DEFAULT_ENVIRONMENTS_DIR } from "../../stacks/config/load";
import { loadGithubDelivery } from "../../stacks/config/github-delivery";
import { s3StateKey } from "../../modules/backend/backend";
import type { EnvConfig } from "../../stacks/config/schema";
import { startPgliteServer, type PgliteServer } from "../../modules/db-bootstrap/test/pglite";
import { manifestStacks } from "../offline-plan/run";
import type { StandIn, TfJson } from "../offline-plan/standins";
import {
  findProviderMirror,
  findTerraform,
  terraformEnv,
  writeCliConfig,
  type TerraformRun,
} from "../offline-plan/terraform";
import { DEFAULT_EMULATOR_ACCOUNT, emulatorAccount, type EmulatorAccount } from "./accounts";
import {
  awsClients,
  checkAccountEmpty,
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
import { addLocalDatabaseName, invocationResult } from "./migration";
import { DEFAULT_DATABASE_NAME } from "../../modules/database/database";
import { EMULATOR_NOTES, emulatorProcessEnv, startMoto, type MotoServer } from "./moto";
import { nameCollisions, stackNames, type StackNames } from "./names";
import { killGroup, runTerraformTracked, spawnTracked } from "./processes";
import { prepareEmulatorScratch, type EmulatorBackend } from "./overlay";
import {
  applyProductionDestroyOverride,
  preventDestroyResources,
  productionDestroyOverrideEnv,
} from "./production";
import type { Workaround } from "./workarounds";

/** Identifier of a scenario step (see the file comment). */
export type StepId = "synth" | "a" | "b" | "c" | "d" | "e" | "f" | "g" | "h" | "i" | "p" | "q" | "k" | "z";

/** Outcome of one step. */
export interface StepReport {
  /** Environment (lane) of the step; `*` for the shared steps, the account id for `z`. */
  readonly env: string;
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

/** Options of {@link runScenarios}. */
export interface ScenarioOptions {
  /** Environments to deploy, each in its own lane. @default ["dev"] */
  readonly environments?: readonly string[];
  /** Also deploy a copy of this environment under another name into its account (step k). @default none */
  readonly isolationCopyOf?: string;
  /**
   * Non-production environments that get only apply, checks, replan and destroy (b, c, d, f); the
   * lock, state versions and redeploy steps (e, g, h, i) run on the other non-production lanes.
   * @default none
   */
  readonly shortLanes?: readonly string[];
  /** Terraform processes at a time (the lock holder of step e not counted). @default 3 */
  readonly concurrency?: number;
  /** Scratch folder (synth output, scratch copies, logs). @default `<repo>/.e2e` */
  readonly workDir?: string;
  /** A running emulator; otherwise one is started and stopped. */
  readonly moto?: MotoServer;
  /** Progress lines. @default console.log */
  readonly log?: (line: string) => void;
}

/** Counts of one lane. */
export interface LaneCounts {
  applied: number;
  destroyed: number;
  stateVersions: number;
  redeployed: number;
}

/** Everything the scenarios did. */
export interface ScenarioResult {
  readonly ok: boolean;
  readonly environments: readonly string[];
  readonly endpoint: string;
  readonly steps: readonly StepReport[];
  /** Random resources swapped for stand-ins, per stack. */
  readonly standIns: Readonly<Record<string, readonly StandIn[]>>;
  /** Emulator workarounds, per stack. */
  readonly workarounds: Readonly<Record<string, readonly Workaround[]>>;
  /** Emulator account of each environment. */
  readonly accounts: Readonly<Record<string, string>>;
  readonly counts: { bootstrap: number; lanes: Record<string, LaneCounts> };
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

/** The S3 backend block of a synthesized stack; undefined when the stack keeps its state elsewhere (local). */
export function s3BackendOf(stackDir: string): { bucket: string; key: string; region: string } | undefined {
  const doc = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as TfJson;
  const s3 = (doc.terraform?.backend as Record<string, Record<string, string>> | undefined)?.s3;
  return s3 ? { bucket: s3.bucket, key: s3.key, region: s3.region } : undefined;
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

/** At most `limit` tasks at a time, in the order asked. */
export function semaphore(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`concurrency ${limit} must be a positive integer`);
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * The emulator account of the `index`-th lane: the first lane gets moto's
 * default account (where the state bucket is), every other lane one of its own.
 */
export function laneAccountId(index: number): string {
  return index === 0 ? DEFAULT_EMULATOR_ACCOUNT : String(100000000000 + index * 1111);
}

/** Name of the isolation copy of `env` (within the environment name rule: `^[a-z][a-z0-9-]{0,19}$`). */
export function isolationCopyName(env: string): string {
  return `${env.slice(0, 14)}-copy`;
}

/**
 * An environment file adapted to the emulator account it is deployed into:
 * account allow-lists name that account (first, so the provider's
 * `allowed_account_ids` check still runs against the lane's account) and,
 * for an S3 backend, the account of the GitHub deploy roles
 * (`deliveryAccountId`), which the synth requires there.
 */
export function environmentForAccount(
  doc: Record<string, unknown>,
  accountId: string,
  deliveryAccountId?: string,
): Record<string, unknown> {
  const out = structuredClone(doc);
  if (!Array.isArray(out.allowedAccountIds)) return out;
  // an environment with an S3 backend must allow the GitHub deploy roles' account (stacks/app.ts):
  // the delivery file names moto's default account, where the bootstrap stack creates those roles
  const s3 = (out.backend as { type?: unknown } | undefined)?.type === "s3";
  out.allowedAccountIds =
    s3 && deliveryAccountId && deliveryAccountId !== accountId ? [accountId, deliveryAccountId] : [accountId];
  return out;
}

/**
 * The environment folder the scenario synthesizes: a copy of the repository's
 * files, each adapted to its lane's account, plus the isolation copy (the
 * environment's file under another name and `Environment` tag).
 */
export function writeScenarioEnvironments(
  sourceDir: string,
  targetDir: string,
  accounts: Readonly<Record<string, string>>,
  copy?: { readonly of: string; readonly name: string },
  deliveryAccountId?: string,
): void {
  mkdirSync(targetDir, { recursive: true });
  for (const file of readdirSync(sourceDir)) {
    if (!file.endsWith(".json")) continue;
    if (file === "environment.schema.json") {
      cpSync(join(sourceDir, file), join(targetDir, file));
      continue;
    }
    const doc = JSON.parse(readFileSync(join(sourceDir, file), "utf8")) as Record<string, unknown>;
    const name = String(doc.name ?? file.replace(/\.json$/, ""));
    const adapted = accounts[name] ? environmentForAccount(doc, accounts[name], deliveryAccountId) : doc;
    writeFileSync(join(targetDir, file), JSON.stringify(adapted, null, 2));
    if (copy && name === copy.of) {
      const twin = structuredClone(adapted);
      twin.name = copy.name;
      const tags = (twin.tags ?? {}) as Record<string, string>;
      if (tags.Environment) twin.tags = { ...tags, Environment: copy.name };
      writeFileSync(join(targetDir, `${copy.name}.json`), JSON.stringify(twin, null, 2));
    }
  }
}

/** Run the scenarios. Starts (and stops) an emulator unless one is given. */
export async function runScenarios(opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  const started = process.hrtime.bigint();
  const log = opts.log ?? ((l: string) => console.log(l));
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
    return await new Scenario(terraform, mirror, moto, opts, workDir, log, started).run();
  } finally {
    if (ownMoto) await moto.stop();
  }
}

/** One environment: `runScenarios` with a single lane (no isolation copy). */
export function runScenario(
  opts: Omit<ScenarioOptions, "environments" | "isolationCopyOf"> & { readonly environment?: string } = {},
): Promise<ScenarioResult> {
  return runScenarios({ ...opts, environments: [opts.environment ?? "dev"] });
}

/** What a lane deploys. */
interface Lane {
  readonly env: string;
  readonly config: EnvConfig;
  readonly account: EmulatorAccount;
  readonly clients: AwsClients;
  readonly backend: { bucket: string; key: string; region: string };
  readonly dir: string;
  readonly names: StackNames;
  readonly synthDoc: TfJson;
  readonly database?: PgliteServer;
}

class Scenario {
  private readonly steps: StepReport[] = [];
  private readonly standIns: Record<string, readonly StandIn[]> = {};
  private readonly workarounds: Record<string, readonly Workaround[]> = {};
  private readonly docs: Record<string, TfJson> = {};
  private readonly counts: ScenarioResult["counts"] = { bootstrap: 0, lanes: {} };
  private readonly accounts: Record<string, string> = {};
  private readonly envNames: string[];
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private tfEnv: NodeJS.ProcessEnv = {};
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  /** Keys of each emulator account, created once. */
  private readonly accountKeys = new Map<string, Promise<EmulatorAccount>>();

  constructor(
    private readonly terraform: string,
    private readonly mirror: string,
    private readonly moto: MotoServer,
    private readonly opts: ScenarioOptions,
    private readonly workDir: string,
    private readonly log: (line: string) => void,
    private readonly started: bigint,
  ) {
    this.envNames = [...(opts.environments ?? ["dev"])];
    this.limit = semaphore(opts.concurrency ?? 3);
  }

  private report(s: StepReport): void {
    this.steps.push(s);
    const p = `[${s.env}]`;
    this.log(`${p} ${s.id}. ${s.title}: ${s.ok ? "ok" : "FAILED"} in ${fmt(s.seconds)}: ${s.summary}`);
    for (const c of s.checks.filter((x) => !x.ok)) this.log(`${p}    FAILED check: ${c.name}: ${c.detail}`);
    if (s.error) this.log(`${p}    ${s.error.split("\n").join(`\n${p}    `)}`);
  }

  private result(): ScenarioResult {
    return {
      ok: this.steps.length > 0 && this.steps.every((s) => s.ok),
      environments: this.envNames,
      endpoint: this.moto.endpoint,
      steps: this.steps,
      standIns: this.standIns,
      workarounds: this.workarounds,
      accounts: this.accounts,
      counts: this.counts,
      totalSeconds: seconds(this.started),
    };
  }

  /** A terraform command in `dir`, within the concurrency limit. */
  private tf(dir: string, args: string[]): Promise<TerraformRun> {
    return this.limit(() =>
      runTerraformTracked(
        this.terraform,
        args[0] === "state" ? args : [...args, "-no-color"],
        dir,
        this.tfEnv,
      ),
    );
  }

  private synth(outdir: string, envDir: string, extraEnv: Record<string, string> = {}): SynthResult {
    const saved = Object.fromEntries(Object.keys(extraEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, extraEnv);
    try {
      return synthesizeApp({ outdir, environmentsDir: envDir, developerCidrs: process.env.DEVELOPER_CIDRS });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  /** Prepare the scratch copy of `stack` (announcing every stand-in and workaround). */
  private prepare(
    stack: string,
    stackDir: string,
    dir: string,
    backend: EmulatorBackend,
    lane?: { account: EmulatorAccount; region: string; database?: PgliteServer },
    patch?: (doc: TfJson) => TfJson,
  ): void {
    if (patch) {
      const file = join(stackDir, "cdk.tf.json");
      writeFileSync(file, JSON.stringify(patch(JSON.parse(readFileSync(file, "utf8")) as TfJson), null, 2));
    }
    const scratch = prepareEmulatorScratch(stackDir, dir, {
      endpoint: this.moto.endpoint,
      backend,
      credentials: lane?.account.credentials,
      localInvocation:
        lane?.database !== undefined
          ? {
              endpoint: this.moto.endpoint,
              region: lane.region,
              credentials: lane.account.credentials,
              databasePort: lane.database.port,
            }
          : undefined,
    });
    this.standIns[stack] = scratch.standIns;
    this.workarounds[stack] = scratch.workarounds;
    this.docs[stack] = scratch.doc;
    if (scratch.standIns.length) {
      this.log(
        `[${stack}] NOTE hashicorp/random cannot be installed here; ${scratch.standIns.length} random resource(s) ` +
          `applied as terraform_data stand-ins (${scratch.standIns.map((s) => s.original).join(", ")}).`,
      );
    }
    for (const w of scratch.workarounds)
      this.log(`[${stack}] EMULATOR WORKAROUND ${w.kind} ${w.resource}: ${w.detail} (${w.reason})`);
  }

  async run(): Promise<ScenarioResult> {
    for (const note of EMULATOR_NOTES) this.log(note);
    try {
      return await this.runAll();
    } finally {
      for (const c of this.cleanups.reverse()) await c();
    }
  }

  private async runAll(): Promise<ScenarioResult> {
    const { workDir } = this;
    // --- accounts and synth
    let t = process.hrtime.bigint();
    this.envNames.forEach((e, i) => (this.accounts[e] = laneAccountId(i)));
    const copyOf = this.opts.isolationCopyOf;
    if (copyOf && !this.envNames.includes(copyOf))
      throw new Error(
        `isolation copy of ${copyOf}: deploy ${copyOf} too (environments ${this.envNames.join(", ")})`,
      );
    const copyName = copyOf ? isolationCopyName(copyOf) : undefined;
    if (copyOf && copyName) this.accounts[copyName] = this.accounts[copyOf];
    const envDir = join(workDir, "environments");
    writeScenarioEnvironments(
      process.env.ENVIRONMENTS_DIR ?? DEFAULT_ENVIRONMENTS_DIR,
      envDir,
      this.accounts,
      copyOf && copyName ? { of: copyOf, name: copyName } : undefined,
      loadGithubDelivery(process.env.GITHUB_DELIVERY_FILE).config?.accountId,
    );
    const synth = this.synth(join(workDir, "cdktf.out"), envDir);
    if (!synth.ok) {
      this.report({
        env: "*",
        id: "synth",
        title: "synthesize",
        ok: false,
        seconds: seconds(t),
        summary: "rejected",
        checks: [],
        error: synth.errors.join("\n"),
      });
      return this.result();
    }
    const loaded = loadEnvironments(envDir, (i) => applyDeveloperCidrs(i, process.env.DEVELOPER_CIDRS));
    const stacks = manifestStacks(synth.outdir);
    const configOf = (name: string): EnvConfig => {
      const env = loaded.environments.find((e) => e.config.name === name)?.config;
      if (!env)
        throw new Error(
          `environment ${name} not found (have ${loaded.environments.map((e) => e.config.name).join(", ")})`,
        );
      if (!stacks[name]) throw new Error(`stack ${name} was not synthesized`);
      return env;
    };
    const all = copyName ? [...this.envNames, copyName] : this.envNames;
    const s3Backends = Object.fromEntries(all.map((e) => [e, s3BackendOf(stacks[e])] as const));
    const buckets = new Set(
      Object.values(s3Backends)
        .filter((b) => b !== undefined)
        .map((b) => b.bucket),
    );
    if (buckets.size !== 1)
      throw new Error(
        `the environments keep their state in ${buckets.size} S3 buckets (${[...buckets].join(", ")}); the scenario needs one`,
      );
    const stateBucket = [...buckets][0];
    // an environment whose file keeps its state locally is deployed with the S3 backend like the others,
    // under the key its file would get with an S3 backend (the scenario's steps read the state from S3)
    const backends = Object.fromEntries(
      all.map((e) => {
        const own = s3Backends[e];
        if (own) return [e, own] as const;
        const config = configOf(e);
        const key = s3StateKey({ project: config.project, environment: e, stackName: e });
        this.log(
          `[${e}] NOTE ${e} keeps its state in a local file (backend.type "local"); the scenario deploys it with ` +
            `the S3 backend in the emulator's state bucket, s3://${stateBucket}/${key}, as the other environments`,
        );
        return [e, { bucket: stateBucket, key, region: config.region }] as const;
      }),
    );
    const bootstrap = bootstrapStackFor(synth.outdir, stateBucket);
    this.report({
      env: "*",
      id: "synth",
      title: "synthesize",
      ok: true,
      seconds: seconds(t),
      summary: `${synth.stacks.join(", ")}; deploying ${bootstrap}, then ${all
        .map((e) => `${e} (account ${this.accounts[e]}, state s3://${backends[e].bucket}/${backends[e].key})`)
        .join(", ")}`,
      checks: [],
    });

    this.tfEnv = emulatorProcessEnv(
      { TF_CLI_CONFIG_FILE: writeCliConfig(workDir, this.mirror) },
      terraformEnv(),
    );
    const bootDir = join(workDir, "work", bootstrap);
    this.prepare(bootstrap, stacks[bootstrap], bootDir, { type: "local" });
    const region = backends[this.envNames[0]].region;
    const bootClients = awsClients(this.moto.endpoint, region);
    this.cleanups.push(() => bootClients.destroy());

    // --- a: the bootstrap stack; lanes start as soon as the state bucket is usable
    t = process.hrtime.bigint();
    let bootFailed = false;
    const bootRun = (async () => {
      const init = await this.tf(bootDir, ["init", "-input=false", "-reconfigure"]);
      if (init.code !== 0) throw tfFailure(`init (${bootstrap})`, init);
      const apply = await this.tf(bootDir, ["apply", "-auto-approve", "-input=false"]);
      if (apply.code !== 0) throw tfFailure(`apply (${bootstrap})`, apply);
      const applySeconds = seconds(t);
      const replan = await this.tf(bootDir, ["plan", "-input=false", "-detailed-exitcode"]);
      return { apply, seconds: applySeconds, replan };
    })().then(
      (r) => ({ ok: true as const, ...r }),
      (e: Error) => {
        bootFailed = true;
        return { ok: false as const, error: e };
      },
    );
    const bucketUsable = waitFor(
      `state bucket ${stateBucket}`,
      180_000,
      () => bucketReady(bootClients, stateBucket),
      () => bootFailed,
    );
    const bootReport = bootRun.then(async (boot) => {
      let checks: Checks | undefined;
      if (boot.ok) {
        this.counts.bootstrap = resourceCount(boot.apply.stdout, "added");
        checks = await checkStateBucket(bootClients, stateBucket);
        if (this.docs[bootstrap].resource?.aws_iam_role)
          checks.list.push(...(await checkGithubRoles(bootClients, this.docs[bootstrap])).list);
      }
      this.report({
        env: "*",
        id: "a",
        title: `apply ${bootstrap} (local backend)`,
        ok: boot.ok && checks!.failed.length === 0,
        seconds: boot.ok ? boot.seconds : seconds(t),
        summary: boot.ok
          ? `applied ${this.counts.bootstrap} resources; state bucket and GitHub roles: ${checks!.list.length - checks!.failed.length}/${checks!.list.length} checks ok`
          : "apply failed",
        checks: checks?.list ?? [],
        error: boot.ok ? undefined : boot.error.message,
      });
      return boot;
    });

    // --- lanes
    const laneOf = async (env: string, withDatabase = true): Promise<Lane> => {
      const config = configOf(env);
      const accountId = this.accounts[env];
      if (!this.accountKeys.has(accountId))
        this.accountKeys.set(accountId, emulatorAccount(this.moto.endpoint, accountId));
      const account = await this.accountKeys.get(accountId)!;
      const clients = awsClients(this.moto.endpoint, config.region, account.credentials);
      this.cleanups.push(() => clients.destroy());
      // a 2-core machine under load can take long to start the WASM database
      const database = withDatabase ? await startPgliteServer(180_000) : undefined;
      if (database) {
        this.cleanups.push(() => database.stop());
        await addLocalDatabaseName(database.port, config.database.databaseName ?? DEFAULT_DATABASE_NAME);
      }
      const dir = join(workDir, "work", env);
      const synthDoc = JSON.parse(readFileSync(join(stacks[env], "cdk.tf.json"), "utf8")) as TfJson;
      this.counts.lanes[env] = { applied: 0, destroyed: 0, stateVersions: 0, redeployed: 0 };
      this.prepare(
        env,
        stacks[env],
        dir,
        { type: "s3", ...backends[env] },
        { account, region: config.region, database },
      );
      return {
        env,
        config,
        account,
        clients,
        backend: backends[env],
        dir,
        names: stackNames(synthDoc),
        synthDoc,
        database,
      };
    };

    const laneRuns = this.envNames.map(async (env) => {
      const lane = await laneOf(env);
      await bucketUsable;
      // step k applies the copy while its environment applies; the environment is destroyed (f) only
      // once the copy's checks of the environment ("meanwhile") are done
      let settleApplied: (ok: boolean) => void = () => undefined;
      const applied = new Promise<boolean>((r) => (settleApplied = r));
      let release: () => void = () => undefined;
      const copyDone = new Promise<void>((r) => (release = r));
      const isolation =
        copyOf === env && copyName
          ? this.isolation(lane, copyName, laneOf, applied, release)
              .catch((e: Error) =>
                this.report({
                  env: copyName,
                  id: "k",
                  title: "isolation copy",
                  ok: false,
                  seconds: 0,
                  summary: "failed",
                  checks: [],
                  error: e.stack ?? e.message,
                }),
              )
              .finally(release)
          : Promise.resolve(release());
      const ok = await this.applyStep(lane, "b");
      settleApplied(ok);
      if (ok) {
        if (lane.config.production) await this.productionLane(lane, envDir);
        else if (this.opts.shortLanes?.includes(env)) await this.shortLane(lane);
        else await this.standardLane(lane, copyDone);
      }
      await isolation;
      return { env, lane };
    });
    const lanes = await Promise.allSettled(laneRuns);
    const boot = await bootReport;
    for (const [i, r] of lanes.entries())
      if (r.status === "rejected")
        this.report({
          env: this.envNames[i],
          id: "b",
          title: "lane",
          ok: false,
          seconds: 0,
          summary: "lane failed",
          checks: [],
          error: (r.reason as Error).stack ?? String(r.reason),
        });

    // --- d of the bootstrap stack
    if (boot.ok) {
      this.report({
        env: "*",
        id: "d",
        title: `second plan of ${bootstrap} reports no changes`,
        ok: boot.replan.code === 0,
        seconds: 0,
        summary: `exit ${boot.replan.code} (planned right after its apply)`,
        checks: [],
        error: boot.replan.code === 0 ? undefined : boot.replan.stdout + boot.replan.stderr,
      });
    }

    // --- z: every account is empty again
    const byAccount = new Map<string, Lane>();
    for (const r of lanes)
      if (r.status === "fulfilled") byAccount.set(r.value.lane.account.accountId, r.value.lane);
    for (const [accountId, lane] of byAccount) {
      t = process.hrtime.bigint();
      const empty = await checkAccountEmpty(lane.clients, {
        project: lane.config.project,
        buckets: accountId === DEFAULT_EMULATOR_ACCOUNT ? [stateBucket] : [],
      });
      this.report({
        env: accountId,
        id: "z",
        title: `account ${accountId} is empty again`,
        ok: empty.failed.length === 0,
        seconds: seconds(t),
        summary: `${empty.list.length - empty.failed.length}/${empty.list.length} checks ok`,
        checks: empty.list,
      });
    }
    return this.result();
  }

  /** Apply `lane` (step b, or h for the redeploy); false when it failed. */
  private async applyStep(lane: Lane, id: "b" | "h"): Promise<boolean> {
    const t = process.hrtime.bigint();
    const init = await this.tf(lane.dir, ["init", "-input=false", "-reconfigure"]);
    const apply =
      init.code === 0 ? await this.tf(lane.dir, ["apply", "-auto-approve", "-input=false"]) : undefined;
    const ok = init.code === 0 && apply?.code === 0;
    const counts = this.counts.lanes[lane.env];
    const added = apply ? resourceCount(apply.stdout, "added") : -1;
    if (id === "b") counts.applied = added;
    else counts.redeployed = added;
    const checks: Check[] = [];
    const applySeconds = seconds(t);
    const c0 = process.hrtime.bigint();
    if (ok) checks.push(...(await this.deploymentChecks(lane, apply.stdout)));
    const checkSeconds = seconds(c0);
    const text = apply ? apply.stdout + apply.stderr : "";
    const secretRefused = /secret .* already exists|ResourceExistsException|scheduled for deletion/i.exec(
      text,
    )?.[0];
    this.report({
      env: lane.env,
      id,
      title:
        id === "b"
          ? `apply ${lane.env} (S3 backend in the emulator, lock file on, account ${lane.account.accountId})`
          : `apply ${lane.env} again into the same state key after destroy`,
      ok: ok && (id === "b" || checks.every((c) => c.ok)),
      seconds: applySeconds,
      summary: ok
        ? `applied ${added} resources` +
          (id === "h" ? `; ${checks.filter((c) => c.ok).length}/${checks.length} checks ok` : "")
        : `apply failed${secretRefused ? ` (the emulator refused a secret name: "${secretRefused}")` : ""}`,
      checks: id === "h" ? checks : [],
      error: ok ? undefined : tfFailure(`apply (${lane.env})`, apply ?? init).message,
    });
    if (ok && id === "b") {
      this.report({
        env: lane.env,
        id: "c",
        title: "check the deployment through the AWS SDK",
        ok: checks.every((c) => c.ok),
        seconds: checkSeconds,
        summary: `${checks.filter((c) => c.ok).length}/${checks.length} checks ok`,
        checks,
      });
    }
    return ok;
  }

  /** Step c: the SDK checks, the stand-ins in the state, and the local run of the migrations. */
  private async deploymentChecks(lane: Lane, applyOutput: string): Promise<Check[]> {
    const deployed = await checkDeployment(lane.clients, lane.config, lane.names);
    const stateObj = await lane.clients.s3.send(
      new GetObjectCommand({ Bucket: lane.backend.bucket, Key: lane.backend.key }),
    );
    const stateText = await stateObj.Body!.transformToString();
    const rawState = JSON.parse(stateText) as RawState;
    const checks = [
      ...deployed.list,
      stateHoldsNoSecret(stateText, deployed.secretValues),
      ...standInChecks(rawState, this.docs[lane.env], this.workarounds[lane.env]),
    ];
    if (lane.config.database.access === "data-api") checks.push(...dataApiChecks(lane.synthDoc, applyOutput));
    if (this.workarounds[lane.env].some((w) => w.kind === "local-run")) {
      const result = invocationResult(applyOutput) as
        { applied?: unknown[]; skipped?: unknown[]; vectorCheck?: string } | undefined;
      checks.push({
        name: "migrations ran (the db-bootstrap package, locally, against PGlite)",
        ok: !!result && Array.isArray(result.applied) && result.vectorCheck === "ok",
        detail: result
          ? `applied ${JSON.stringify(result.applied)}, skipped ${JSON.stringify(result.skipped)}, vector check ${result.vectorCheck}`
          : (/EMULATOR INVOCATION FAILED[^\n]*/.exec(applyOutput)?.[0] ??
            "no result line in the apply output"),
      });
    }
    return checks;
  }

  private async replanStep(lane: Lane): Promise<void> {
    const t = process.hrtime.bigint();
    const plan = await this.tf(lane.dir, ["plan", "-input=false", "-detailed-exitcode"]);
    this.report({
      env: lane.env,
      id: "d",
      title: "second plan reports no changes (-detailed-exitcode)",
      ok: plan.code === 0,
      seconds: seconds(t),
      summary: `exit ${plan.code}${plan.code === 0 ? ", 0 changes" : ""}`,
      checks: [],
      error:
        plan.code === 0
          ? undefined
          : (plan.stdout + plan.stderr)
              .split("\n")
              .filter((l) => !/Refreshing state|Reading|Read complete/.test(l))
              .join("\n"),
    });
  }

  /** Destroy `lane` and check nothing of it is left (steps f and i). */
  private async destroyStep(
    lane: Lane,
    id: "f" | "i" | "q",
    title: string,
    compareWith?: number,
  ): Promise<boolean> {
    const t = process.hrtime.bigint();
    const destroy = await this.tf(lane.dir, ["destroy", "-auto-approve", "-input=false"]);
    const destroyedAt = new Date();
    const checks: Check[] = [];
    const count = resourceCount(destroy.stdout, "destroyed");
    if (destroy.code === 0) {
      if (id === "f") this.counts.lanes[lane.env].destroyed = count;
      checks.push(...(await checkDestroyed(lane.clients, lane.config, lane.names, { destroyedAt })).list);
      const list = await this.tf(lane.dir, ["state", "list"]);
      checks.push({
        name: "state lists no resource",
        ok: list.code === 0 && list.stdout.trim() === "",
        detail: list.stdout.trim() || "(empty)",
      });
      if (compareWith !== undefined)
        checks.push({
          name: "destroyed as many resources as applied",
          ok: count === compareWith,
          detail: `${count} destroyed, ${compareWith} applied`,
        });
      if (lane.names.finalSnapshotIdentifier) {
        const id = lane.names.finalSnapshotIdentifier;
        const snaps = await lane.clients.rds
          .send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }))
          .then((o) => o.DBClusterSnapshots ?? [])
          .catch(() => []);
        checks.push({
          name: `final snapshot ${id} taken`,
          ok: snaps.length === 1,
          detail: snaps.length ? `${snaps[0].Status} (${snaps[0].SnapshotType})` : "no such cluster snapshot",
        });
      }
    }
    this.report({
      env: lane.env,
      id,
      title,
      ok: destroy.code === 0 && checks.every((c) => c.ok),
      seconds: seconds(t),
      summary:
        destroy.code === 0
          ? `destroyed ${count} resources; ${checks.filter((c) => c.ok).length}/${checks.length} checks ok`
          : "destroy failed",
      checks,
      error: destroy.code === 0 ? undefined : tfFailure("destroy", destroy).message,
    });
    return destroy.code === 0;
  }

  /** d and f of a short lane (c ran with b). */
  private async shortLane(lane: Lane): Promise<void> {
    await this.replanStep(lane);
    await this.destroyStep(lane, "f", `destroy ${lane.env}`, this.counts.lanes[lane.env].applied);
  }

  /** c–i of an environment that is not production. */
  private async standardLane(lane: Lane, beforeDestroy: Promise<void>): Promise<void> {
    await this.replanStep(lane);
    let t = process.hrtime.bigint();
    const lock = await lockStep(
      this.terraform,
      this.tfEnv,
      lane.dir,
      lane.clients,
      lane.backend,
      (dir, args) => this.tf(dir, args),
    );
    this.report({
      env: lane.env,
      id: "e",
      title: "plan while another process holds the state lock",
      seconds: seconds(t),
      ...lock,
    });
    await beforeDestroy;
    await this.destroyStep(lane, "f", `destroy ${lane.env}`, this.counts.lanes[lane.env].applied);
    t = process.hrtime.bigint();
    const g = await stateVersionChecks(lane.clients, lane.backend);
    this.counts.lanes[lane.env].stateVersions = g.versions;
    this.report({
      env: lane.env,
      id: "g",
      title: `state versions of s3://${lane.backend.bucket}/${lane.backend.key}`,
      ok: g.checks.every((c) => c.ok),
      seconds: seconds(t),
      summary: `${g.versions} versions (latest serial ${g.serial})`,
      checks: g.checks,
    });
    // h + i: redeploy into the same state key, then destroy again (also after a failed redeploy: its partial apply)
    await this.applyStep(lane, "h");
    await this.destroyStep(lane, "i", `destroy ${lane.env} again`);
  }

  /** c, d, p, q of a production environment. */
  private async productionLane(lane: Lane, envDir: string): Promise<void> {
    await this.replanStep(lane);
    // --- p: destroy is refused and deletes nothing
    let t = process.hrtime.bigint();
    const before = await this.tf(lane.dir, ["state", "list"]);
    const destroy = await this.tf(lane.dir, ["destroy", "-auto-approve", "-input=false"]);
    const after = await this.tf(lane.dir, ["state", "list"]);
    const count = (r: TerraformRun) => r.stdout.split("\n").filter((l) => l.trim()).length;
    const text = destroy.stdout + destroy.stderr;
    const guarded = preventDestroyResources(lane.synthDoc);
    const p: Check[] = [
      { name: "destroy fails", ok: destroy.code !== 0, detail: `exit ${destroy.code}` },
      {
        name: "nothing was deleted (state resource count unchanged)",
        ok: before.code === 0 && after.code === 0 && count(before) === count(after),
        detail: `${count(before)} before, ${count(after)} after; ${resourceCount(destroy.stdout, "destroyed")} reported destroyed`,
      },
      {
        name: "refused by the plan (prevent_destroy) before any deletion",
        ok: /prevent_destroy/.test(text) && !/Destruction complete/.test(text),
        detail: guarded.length
          ? `prevent_destroy on ${guarded.join(", ")}; ${/Instance cannot be destroyed[^\n]*/.exec(text)?.[0] ?? "no refusal in the output"}`
          : `no resource has lifecycle.prevent_destroy; ${/Error: [^\n]*/.exec(text)?.[0] ?? ""}`,
      },
    ];
    await lane.clients.rds
      .send(new DescribeDBClustersCommand({ DBClusterIdentifier: lane.names.clusterIdentifier }))
      .then(
        (o) =>
          p.push({
            name: "the cluster still exists",
            ok: (o.DBClusters ?? []).length === 1,
            detail: `${o.DBClusters?.[0]?.Status}`,
          }),
        (e: Error) => p.push({ name: "the cluster still exists", ok: false, detail: `${e.name}` }),
      );
    const instances = await lane.clients.rds.send(new DescribeDBInstancesCommand({}));
    const present = (instances.DBInstances ?? []).map((i) => i.DBInstanceIdentifier ?? "");
    p.push({
      name: "the cluster's instances still exist",
      ok: lane.names.instanceIdentifiers.every((i) => present.includes(i)),
      detail: `${lane.names.instanceIdentifiers.filter((i) => present.includes(i)).join(", ") || "none"} of ${lane.names.instanceIdentifiers.join(", ")}`,
    });
    this.report({
      env: lane.env,
      id: "p",
      title: `terraform destroy of ${lane.env} is refused and deletes nothing`,
      ok: p.every((c) => c.ok),
      seconds: seconds(t),
      summary: `destroy exit ${destroy.code}; ${count(before)} resources in state before, ${count(after)} after`,
      checks: p,
    });

    // --- q: the documented override, then destroy succeeds
    t = process.hrtime.bigint();
    const outdir = join(this.workDir, "cdktf.out-override");
    const synth = this.synth(outdir, envDir, productionDestroyOverrideEnv(lane.env));
    if (!synth.ok) {
      this.report({
        env: lane.env,
        id: "q",
        title: "override synth",
        ok: false,
        seconds: seconds(t),
        summary: "rejected",
        checks: [],
        error: synth.errors.join("\n"),
      });
      return;
    }
    const stackDir = manifestStacks(outdir)[lane.env];
    let changed: string[] = [];
    this.prepare(
      lane.env,
      stackDir,
      lane.dir,
      { type: "s3", ...lane.backend },
      { account: lane.account, region: lane.config.region, database: lane.database },
      (doc) => {
        const o = applyProductionDestroyOverride(doc);
        changed = o.changed;
        return o.doc;
      },
    );
    for (const address of changed)
      this.log(
        `[${lane.env}] EMULATOR WORKAROUND override ${address}: deletion_protection = false in the scratch copy ` +
          `(the synth with ${Object.keys(productionDestroyOverrideEnv(lane.env)).join(", ")} kept it on)`,
      );
    // the documented procedure: apply with the override (the cluster's deletion protection goes off), then destroy
    const apply = await this.tf(lane.dir, ["apply", "-auto-approve", "-input=false"]);
    if (apply.code !== 0) {
      this.report({
        env: lane.env,
        id: "q",
        title: "apply the override to the cluster",
        ok: false,
        seconds: seconds(t),
        summary: "apply failed",
        checks: [],
        error: tfFailure("apply (override)", apply).message,
      });
      return;
    }
    this.log(
      `[${lane.env}] q. override applied in ${fmt(seconds(t))}: ` +
        `${/Apply complete![^\n]*/.exec(apply.stdout)?.[0] ?? ""}`,
    );
    await this.destroyStep(lane, "q", `destroy ${lane.env} with the override`);
  }

  /**
   * Step k: the copy of `lane`'s environment in the same account (its local database only when it is
   * applied), applied while the environment applies (`laneApplied`); `release` lets the environment's
   * lane go on to destroy once the environment has been checked next to the copy.
   */
  private async isolation(
    lane: Lane,
    copyName: string,
    laneOf: (env: string, withDatabase: boolean) => Promise<Lane>,
    laneApplied: Promise<boolean>,
    release: () => void,
  ): Promise<void> {
    const t = process.hrtime.bigint();
    const probe = await laneOf(copyName, false);
    const collisions = nameCollisions(lane.synthDoc, probe.synthDoc);
    const copy = collisions.length ? probe : await laneOf(copyName, true);
    const checks: Check[] = [
      {
        name: `${lane.env} and ${copy.env} have distinct physical names`,
        ok: collisions.length === 0,
        detail: collisions.length ? `both claim ${collisions.join("; ")}` : "no shared name",
      },
    ];
    if (collisions.length === 0) {
      const init = await this.tf(copy.dir, ["init", "-input=false", "-reconfigure"]);
      const apply =
        init.code === 0 ? await this.tf(copy.dir, ["apply", "-auto-approve", "-input=false"]) : init;
      checks.push({
        name: `${copy.env} applied next to ${lane.env}`,
        ok: apply.code === 0,
        detail:
          apply.code === 0
            ? (/Apply complete![^\n]*/.exec(apply.stdout)?.[0] ?? "")
            : tfFailure("apply", apply).message.slice(-800),
      });
      if (apply.code === 0) {
        checks.push(
          ...(await this.deploymentChecks(copy, apply.stdout)).map((c) => ({
            ...c,
            name: `${copy.env}: ${c.name}`,
          })),
        );
      }
      // the environment, applied at the same time into the same account, is still intact next to the copy
      const envApplied = await laneApplied;
      checks.push({
        name: `${lane.env} applied next to ${copy.env}`,
        ok: envApplied,
        detail: envApplied ? "step b ok" : "step b failed",
      });
      if (apply.code === 0 && envApplied)
        checks.push(
          ...(await checkDeployment(lane.clients, lane.config, lane.names)).list.map((c) => ({
            ...c,
            name: `${lane.env} meanwhile: ${c.name}`,
          })),
        );
      release();
      const destroy = await this.tf(copy.dir, ["destroy", "-auto-approve", "-input=false"]);
      checks.push({ name: `${copy.env} destroyed`, ok: destroy.code === 0, detail: `exit ${destroy.code}` });
      if (destroy.code === 0)
        checks.push(
          ...(
            await checkDestroyed(copy.clients, copy.config, copy.names, { destroyedAt: new Date() })
          ).list.map((c) => ({ ...c, name: `${copy.env}: ${c.name}` })),
        );
    }
    this.report({
      env: copy.env,
      id: "k",
      title: `${copy.env}, a copy of ${lane.env}, in the same account ${lane.account.accountId}`,
      ok: checks.every((c) => c.ok),
      seconds: seconds(t),
      summary: collisions.length
        ? `not applied: ${collisions.length} physical names would collide (${collisions.slice(0, 4).join("; ")}${collisions.length > 4 ? "; ..." : ""})`
        : `${checks.filter((c) => c.ok).length}/${checks.length} checks ok`,
      checks,
    });
  }
}

/** Step g: the state object's versions after destroy. */
async function stateVersionChecks(
  clients: AwsClients,
  backend: { bucket: string; key: string },
): Promise<{ versions: number; serial?: number; checks: Check[] }> {
  const versions = await objectVersions(clients, backend.bucket, backend.key);
  const latest = await clients.s3.send(new GetObjectCommand({ Bucket: backend.bucket, Key: backend.key }));
  const state = JSON.parse(await latest.Body!.transformToString()) as {
    resources?: unknown[];
    serial?: number;
  };
  const head = await stateObject(clients, backend.bucket, backend.key);
  return {
    versions: versions.versions.length,
    serial: state.serial,
    checks: [
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
    ],
  };
}

/**
 * `database.access` "data-api": the plan (synthesized stack and what the
 * apply created) has no interface endpoint, and no function has a VPC
 * configuration (the backend runs outside the VPC).
 */
export function dataApiChecks(doc: TfJson, applyOutput: string): Check[] {
  const endpoints = Object.keys(doc.resource?.aws_vpc_endpoint ?? {});
  const created = [...new Set(applyOutput.match(/aws_vpc_endpoint\.[^:\s]+/g) ?? [])];
  const inVpc = Object.entries(doc.resource?.aws_lambda_function ?? {})
    .filter(([, cfg]) => (cfg as Record<string, unknown>).vpc_config !== undefined)
    .map(([name]) => `aws_lambda_function.${name}`);
  const clusters = Object.entries(doc.resource?.aws_rds_cluster ?? {});
  return [
    {
      name: "data-api: the cluster's Data API is enabled (enable_http_endpoint in the stack)",
      ok: clusters.length > 0 && clusters.every(([, cfg]) => cfg.enable_http_endpoint === true),
      detail: clusters
        .map(([name, cfg]) => `aws_rds_cluster.${name} ${String(cfg.enable_http_endpoint)}`)
        .join(", "),
    },
    {
      name: "data-api: no aws_vpc_endpoint planned or applied",
      ok: endpoints.length === 0 && created.length === 0,
      detail: `${endpoints.length} in the stack${endpoints.length ? ` (${endpoints.join(", ")})` : ""}, ${created.length} in the apply output`,
    },
    {
      name: "data-api: no function has vpc_config",
      ok: inVpc.length === 0,
      detail: inVpc.length ? inVpc.join(", ") : "none",
    },
  ];
}

/**
 * The state file holds none of the secret values read back from the
 * emulator's Secrets Manager (the values are looked for as they are and as
 * JSON-escaped; none is printed). Fails when there is no value to look for:
 * the secrets must have been read.
 */
export function stateHoldsNoSecret(stateText: string, secretValues: readonly string[]): Check {
  const found = secretValues.filter(
    (v) => stateText.includes(v) || stateText.includes(JSON.stringify(v).slice(1, -1)),
  );
  return {
    name: "the state file holds no secret value (master password, application password, signing key)",
    ok: secretValues.length > 0 && found.length === 0,
    detail:
      secretValues.length === 0
        ? "no secret value was read back to look for"
        : `${found.length} of ${secretValues.length} values read back from Secrets Manager found in the state (values not shown)`,
  };
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
