/**
 * Building the app: load and validate every environment file, then build one
 * stack per environment plus the state bootstrap stack, then synthesize.
 *
 * Validation of every file happens before any construct is built, and
 * construct-level checks run before anything is written, so a rejected
 * environment never leaves Terraform output behind.
 */
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { App } from "cdktf";
import { ConfigError } from "../modules/core/core";
import { loadEnvironments, DEFAULT_ENVIRONMENTS_DIR, type LoadedEnvironment } from "./config/load";
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
}

/** What a synth produced. */
export interface SynthResult {
  readonly ok: boolean;
  readonly outdir: string;
  readonly stacks: string[];
  readonly errors: string[];
  readonly warnings: string[];
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
  const doc = input as { production?: boolean; security?: { developerCidrs?: string[] } };
  if (doc.production || !doc.security?.developerCidrs?.length) return input;
  const cidrs = value
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  return { ...doc, security: { ...doc.security, developerCidrs: cidrs } };
}

/** Build every stack into `app`; returns the stack names. Throws ConfigError for construct-level problems. */
export function buildStacks(
  app: App,
  environments: readonly LoadedEnvironment[],
  github?: GithubDeliveryConfig,
): string[] {
  const names: string[] = [];
  for (const env of environments) {
    new HrChatbotStack(app, env.config.name, { environment: env.config, baseDir: env.dir });
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
      });
    const name = env.config.name;
    buckets.get(key)!.targets.push({
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
  const loaded = loadEnvironments(environmentsDir, (input) =>
    applyDeveloperCidrs(input, opts.developerCidrs ?? process.env.DEVELOPER_CIDRS),
  );
  const removeRejected = () => {
    for (const name of loaded.rejected) {
      const dir = join(outdir, "stacks", name);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
  };
  const github = loadGithubDelivery(opts.githubDeliveryFile ?? process.env.GITHUB_DELIVERY_FILE);
  if (loaded.errors.length > 0 || github.errors.length > 0) {
    removeRejected();
    const errors = [...loaded.errors, ...github.errors];
    return { ok: false, outdir, stacks: [], errors, warnings: loaded.warnings };
  }
  const app = new App({ outdir, skipValidation: false });
  let stacks: string[];
  try {
    stacks = buildStacks(app, loaded.environments, github.config);
  } catch (e) {
    if (e instanceof ConfigError)
      return { ok: false, outdir, stacks: [], errors: [e.message], warnings: loaded.warnings };
    throw e;
  }
  app.synth();
  return { ok: true, outdir, stacks, errors: [], warnings: loaded.warnings };
}
