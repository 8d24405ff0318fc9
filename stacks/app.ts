/**
 * Building the app: load and validate every environment file, then build one
 * stack per environment plus the state bootstrap stack, then synthesize.
 *
 * Validation of every file happens before any construct is built, and
 * construct-level checks run before anything is written, so a rejected
 * environment never leaves Terraform output behind.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { AnnotationMetadataEntryType, App, TerraformResource, TerraformStack } from "cdktf";
import { ConfigError, formatValue } from "../modules/core/core";
import { developerCidrProblem, developerCidrsProblem } from "../modules/security/security";
import {
  displayPath,
  loadEnvironments,
  DEFAULT_ENVIRONMENTS_DIR,
  type LoadedEnvironment,
} from "./config/load";
import { crossEnvironmentNameProblems, physicalNameProblems } from "./config/physical-names";
import { isProduction, isProductionName } from "./config/production";
import { HrChatbotStack } from "./hr-chatbot-stack";
import { StateBootstrapStack, type GithubDeployTarget } from "./state-bootstrap-stack";
import { s3StateKey } from "../modules/backend/backend";
import { loadGithubDelivery, type GithubDeliveryConfig } from "./config/github-delivery";

/** Options of {@link synthesizeApp}. */
export interface SynthOptions {
  /** Folder of environment files. @default `ENVIRONMENTS_DIR` or `stacks/environments` */
  readonly environmentsDir?: string;
  /** Output folder. @default `CDKTF_OUTDIR` or `cdktf.out` */
  readonly outdir?: string;
  /** Extra `DEVELOPER_CIDRS` value (comma separated). @default process.env.DEVELOPER_CIDRS */
  readonly developerCidrs?: string;
  /**
   * GitHub delivery file (repository whose workflows get deploy roles); a
   * missing file means no GitHub roles.
   * @default `GITHUB_DELIVERY_FILE` or `stacks/github.json`
   */
  readonly githubDeliveryFile?: string;
  /**
   * Production environments to synthesize without destroy protection
   * (comma separated names, as `ALLOW_PRODUCTION_DESTROY`): no
   * `prevent_destroy` on the cluster, its instances and the secrets key, and
   * deletion protection off, so that an apply followed by a destroy removes
   * them. Announced as a notice.
   * @default process.env.ALLOW_PRODUCTION_DESTROY
   */
  readonly allowProductionDestroy?: string;
}

/** What a synth produced. */
export interface SynthResult {
  readonly ok: boolean;
  readonly outdir: string;
  readonly stacks: string[];
  readonly errors: string[];
  /** Warnings of the environment rules. */
  readonly warnings: string[];
  /** What synth was told to do that changes what Terraform will do (a replacement, an upgrade, an unprotected production). */
  readonly notices: string[];
  /**
   * Warnings the constructs attached while building the stacks
   * (`<construct path>: <message>`). `cdktf synth` prints these itself from
   * the manifest; `node main.ts` prints them.
   */
  readonly annotations: string[];
}

/** Name of the state bootstrap stack. */
export const BOOTSTRAP_STACK = "state-bootstrap";

/**
 * Apply `DEVELOPER_CIDRS` (comma separated) to every non-production
 * environment that grants developer access, so a developer's own address
 * never has to be committed.
 */
export function applyDeveloperCidrs(input: unknown, value: string | undefined): unknown {
  if (!value || input === null || typeof input !== "object") return input;
  const doc = input as { name?: unknown; production?: boolean; security?: { developerCidrs?: string[] } };
  const production = doc.production || (typeof doc.name === "string" && isProductionName(doc.name));
  if (production || !doc.security?.developerCidrs?.length) return input;
  return { ...doc, security: { ...doc.security, developerCidrs: splitCidrs(value) } };
}

function splitCidrs(value: string): string[] {
  return value
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
}

/**
 * Problems with the `DEVELOPER_CIDRS` variable itself, named after the
 * variable (not after an environment file): the security module's rules for
 * developer access.
 */
export function developerCidrsVariableProblems(value: string | undefined): string[] {
  if (!value) return [];
  const cidrs = splitCidrs(value);
  const problems = cidrs.flatMap((c, i) => {
    const rule = developerCidrProblem(c);
    return rule ? [`DEVELOPER_CIDRS (environment variable): [${i}] ${formatValue(c)} ${rule}`] : [];
  });
  const total = developerCidrsProblem(cidrs);
  if (total) problems.push(`DEVELOPER_CIDRS (environment variable): ${formatValue(value)} ${total}`);
  return problems;
}

/**
 * The `resource` blocks of a stack, each resource rendered on its own
 * (unresolved references stay tokens): a fraction of the cost of rendering
 * the whole stack, enough to read the literal names.
 */
function resourceBlocks(stack: TerraformStack): { resource: Record<string, Record<string, unknown>> } {
  const resource: Record<string, Record<string, unknown>> = {};
  for (const c of stack.node.findAll()) {
    if (!(c instanceof TerraformResource)) continue;
    const block = (c.toTerraform() as { resource?: Record<string, Record<string, unknown>> }).resource ?? {};
    for (const [type, byId] of Object.entries(block)) resource[type] = { ...resource[type], ...byId };
  }
  return { resource };
}

/** Construct warnings (annotations) of a stack, as `<construct path>: <message>`. */
function warningsOf(stack: TerraformStack): string[] {
  return stack.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === AnnotationMetadataEntryType.WARN)
        .map((m) => `${c.node.path}: ${String(m.data)}`),
    );
}

/**
 * The environments `ALLOW_PRODUCTION_DESTROY` names, or the problem with its
 * value: it must name production environments that exist (`prod`), not just
 * say yes (`1`, `true`), so that lifting the protection is always about one
 * environment on purpose.
 */
export function allowProductionDestroyOf(
  value: string | undefined,
  environments: readonly LoadedEnvironment[],
): { names: string[]; errors: string[] } {
  if (!value) return { names: [], errors: [] };
  const names = value
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const production = environments.filter((e) => isProduction(e.config)).map((e) => e.config.name);
  const errors = names
    .filter((n) => !production.includes(n))
    .map(
      (n) =>
        `ALLOW_PRODUCTION_DESTROY (environment variable): ${formatValue(n)} is not a production environment of this synth (production: ${production.join(", ") || "none"}); name the environment whose protection to lift`,
    );
  return { names, errors };
}

/** Build every stack into `app`; returns the stack names. Throws ConfigError for construct-level problems. */
export function buildStacks(
  app: App,
  environments: readonly LoadedEnvironment[],
  github?: GithubDeliveryConfig,
  allowDestroy: readonly string[] = [],
): string[] {
  const names: string[] = [];
  for (const env of environments) {
    try {
      new HrChatbotStack(app, env.config.name, {
        environment: env.config,
        baseDir: env.dir,
        allowDestroy: allowDestroy.includes(env.config.name),
      });
    } catch (e) {
      // a module's own check: name the file it came from
      if (e instanceof ConfigError)
        throw new ConfigError(
          `${displayPath(join(env.dir, env.file))}: ${env.config.name} stack: ${e.field}`,
          e.value,
          e.rule,
        );
      throw e;
    }
    names.push(env.config.name);
  }
  // one state bucket per (bucket, region) the environments use
  const buckets = new Map<
    string,
    {
      bucket: string;
      region: string;
      project: string;
      tags: Record<string, string>;
      targets: GithubDeployTarget[];
      accounts: Set<string>;
      prefixes: string[];
      kmsAliases: Set<string>;
    }
  >();
  for (const env of environments) {
    const b = env.config.backend;
    if (b.type !== "s3") continue;
    const key = `${b.bucket}@${b.region}`;
    if (!buckets.has(key))
      buckets.set(key, {
        bucket: b.bucket,
        region: b.region,
        project: env.config.project,
        tags: { ...env.config.tags },
        targets: [],
        accounts: new Set(),
        prefixes: [],
        kmsAliases: new Set(),
      });
    const name = env.config.name;
    const entry = buckets.get(key)!;
    // every environment of the bucket, each with its own key prefix (never one project's for all)
    env.config.allowedAccountIds.forEach((a) => entry.accounts.add(a));
    entry.prefixes.push(`${b.keyPrefix ?? env.config.project}/${name}`);
    if (b.kmsKeyId?.startsWith("alias/")) entry.kmsAliases.add(b.kmsKeyId);
    entry.targets.push({
      name,
      githubEnvironment: github?.githubEnvironments[name] ?? name,
      region: env.config.region,
      stateKey: s3StateKey({ project: env.config.project, environment: name, stackName: name }, b.keyPrefix),
    });
  }
  [...buckets.values()].forEach((b, i) => {
    const name = i === 0 ? BOOTSTRAP_STACK : `${BOOTSTRAP_STACK}-${i + 1}`;
    new StateBootstrapStack(app, name, {
      project: b.project,
      region: b.region,
      bucketName: b.bucket,
      tags: { ...b.tags, Environment: "shared" },
      backend: process.env.STATE_BOOTSTRAP_BACKEND === "s3" ? "s3" : "local",
      allowedAccountIds: [...b.accounts],
      stateKeyPrefixes: b.prefixes,
      stateKmsKeyAliases: [...b.kmsAliases],
      github: github && {
        repository: github.repository,
        accountId: github.accountId,
        existingProviderArn: github.existingProviderArn,
        pullRequestPlanRole: github.pullRequestPlanRole,
        mainBranch: github.mainBranch,
        environments: b.targets,
      },
    });
    names.push(name);
  });
  return names;
}

/** Load, validate, build and synthesize. Writes nothing when any environment is rejected. */
export function synthesizeApp(opts: SynthOptions = {}): SynthResult {
  const environmentsDir = resolve(
    opts.environmentsDir ?? process.env.ENVIRONMENTS_DIR ?? DEFAULT_ENVIRONMENTS_DIR,
  );
  const outdir = resolve(opts.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out");
  const developerCidrs = opts.developerCidrs ?? process.env.DEVELOPER_CIDRS;
  const variableErrors = developerCidrsVariableProblems(developerCidrs);
  const loaded = loadEnvironments(environmentsDir, (input) =>
    variableErrors.length ? input : applyDeveloperCidrs(input, developerCidrs),
  );
  if (variableErrors.length > 0) {
    loaded.errors.unshift(...variableErrors);
    loaded.rejected.push(...loaded.environments.map((e) => e.config.name));
  }
  const removeRejected = () => {
    for (const name of loaded.rejected) {
      const dir = join(outdir, "stacks", name);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
    // building a stack may already have staged its assets; leave no empty folder behind
    const stacksDir = join(outdir, "stacks");
    if (existsSync(stacksDir) && readdirSync(stacksDir).length === 0) rmSync(stacksDir, { recursive: true });
  };
  const github = loadGithubDelivery(opts.githubDeliveryFile ?? process.env.GITHUB_DELIVERY_FILE);
  /** The result of a rejected synth: nothing of a rejected environment is left in `outdir`. */
  const reject = (errors: string[]): SynthResult => {
    removeRejected();
    return {
      ok: false,
      outdir,
      stacks: [],
      errors,
      warnings: loaded.warnings,
      notices: loaded.notices,
      annotations: [],
    };
  };
  if (github.config) {
    // the GitHub roles live in github.json's account: an environment that may not deploy there cannot use them
    const account = github.config.accountId;
    for (const env of loaded.environments) {
      if (env.config.backend.type !== "s3" || env.config.allowedAccountIds.includes(account)) continue;
      github.errors.push(
        `${displayPath(join(env.dir, env.file))}: allowedAccountIds ${formatValue(env.config.allowedAccountIds)} does not include ${formatValue(account)}, the account of the GitHub deploy roles (accountId of the delivery file): add it, or deploy this environment without them`,
      );
      loaded.rejected.push(env.config.name);
    }
  }
  const allowDestroy = allowProductionDestroyOf(
    opts.allowProductionDestroy ?? process.env.ALLOW_PRODUCTION_DESTROY,
    loaded.environments,
  );
  if (loaded.errors.length > 0 || github.errors.length > 0 || allowDestroy.errors.length > 0)
    return reject([...loaded.errors, ...github.errors, ...allowDestroy.errors]);
  const notices = [
    ...loaded.notices,
    ...allowDestroy.names.map(
      (n) =>
        `${n}: ALLOW_PRODUCTION_DESTROY names this production environment: its cluster, instances and secrets key are synthesized without prevent_destroy and the cluster without deletion protection. Apply first (npm run deploy -- ${n}) so RDS lets the cluster go, then npm run destroy -- ${n}; unset the variable for every other run`,
    ),
  ];
  const app = new App({ outdir, skipValidation: false });
  let stacks: string[];
  try {
    stacks = buildStacks(app, loaded.environments, github.config, allowDestroy.names);
  } catch (e) {
    if (e instanceof ConfigError) return reject([e.message]);
    throw e;
  }
  // names that reach AWS: rules per resource type, and no two resources with one name
  const built = loaded.environments.flatMap((env) => {
    const stack = app.node.tryFindChild(env.config.name) as TerraformStack | undefined;
    return stack
      ? [{ file: displayPath(join(env.dir, env.file)), env: env.config, stackJson: resourceBlocks(stack) }]
      : [];
  });
  const nameErrors = built.flatMap(({ file, env, stackJson }) => {
    const problems = physicalNameProblems(env, stackJson);
    if (problems.length) loaded.rejected.push(env.name);
    return problems.map((p) => `${file}: ${p.path} ${formatValue(p.value)} ${p.rule}`);
  });
  if (nameErrors.length > 0) return reject(nameErrors);
  // two files that would create one name in one account and region
  const crossErrors = crossEnvironmentNameProblems(built).map(({ file, env, problem: p }) => {
    loaded.rejected.push(env.name);
    return `${file}: ${p.path} ${formatValue(p.value)} ${p.rule}`;
  });
  if (crossErrors.length > 0) return reject(crossErrors);
  const annotations = app.node.children
    .filter((c): c is TerraformStack => c instanceof TerraformStack)
    .flatMap(warningsOf);
  app.synth();
  return { ok: true, outdir, stacks, errors: [], warnings: loaded.warnings, notices, annotations };
}
