/**
 * Rules that relate several fields of an environment. Each returns every
 * problem it finds (not only the first), as `{ path, value, rule }`, so a user
 * who breaks a file in several ways gets one message per mistake.
 *
 * The seven failures of the original manual deployment are covered here
 * (F1..F7 in the comments) or made impossible by construction in the modules.
 */
import { cidrContains, cidrOverlaps, mustParseCidr, parseCidr, type Cidr } from "../../modules/core/cidr";
import { ConfigError } from "../../modules/core/core";
import { planNetwork } from "../../modules/network/network";
import {
  DATA_API_ENVIRONMENT,
  LAMBDA_ENIS_PER_SUBNET,
  reservedConcurrencyProblem,
  validateEnvironment,
} from "../../modules/compute/compute";
import { availabilityZoneProblem } from "../../modules/core/regions";
import { awsNameProblem } from "../../modules/core/aws-names";
import { capacityRangeProblem, dataApiProblem, dataApiRegionProblem } from "../../modules/database/database";
import type { EnvConfig } from "./schema";
import { productionProblems } from "./production";

/** One rule violation. */
export interface Problem {
  /** Dotted field path, e.g. `network.publicSubnets[1].cidr`. */
  readonly path: string;
  readonly value: unknown;
  readonly rule: string;
}

/** Result of the cross-field rules. */
export interface RuleResult {
  readonly errors: Problem[];
  readonly warnings: Problem[];
}

type Tier = "public" | "isolated";
interface ResolvedSubnet {
  readonly tier: Tier;
  readonly index: number;
  readonly az: string;
  readonly cidr: Cidr;
  readonly path: string;
}

/** Environment variables the stack sets itself from the secrets it creates. */
export const STACK_OWNED_ENV_VARS = [
  "DB_SECRET_NAME",
  "APP_SECRET_NAME",
  "ENABLE_RAG",
  "LLM_MODEL_ID",
  "EMBEDDING_MODEL_ID",
  ...Object.values(DATA_API_ENVIRONMENT),
] as const;

/**
 * The AWS services the function calls, and so needs an interface endpoint for
 * (F4). None with `database.access` "data-api": no function runs in the VPC,
 * so they reach every service at its public endpoint.
 */
export function servicesCalled(env: EnvConfig): string[] {
  if (env.database.access === "data-api") return [];
  return [
    "secretsmanager",
    "bedrock-runtime", // the LLM (and, with RAG, the embedding model) is always called
    ...(env.compute.tracing === "Active" ? ["xray"] : []),
  ];
}

/** The secret names: as set in the file, or `<namePrefix>/database` and `<namePrefix>/app-secrets`. */
export function secretNames(env: EnvConfig): { database: string; app: string } {
  return {
    database: env.secrets.databaseSecretName ?? `${env.namePrefix}/database`,
    app: env.secrets.appSecretName ?? `${env.namePrefix}/app-secrets`,
  };
}

/**
 * Every subnet with its CIDR: explicit ones as written (so overlap and
 * containment problems are all reported at once), and, once those are sound,
 * the network module's own `planNetwork` resolves any derived ones, so the
 * rules check exactly the CIDRs the stack will create.
 */
export function resolveSubnets(env: EnvConfig, errors: Problem[]): ResolvedSubnet[] {
  const vpc = parseCidr(env.network.vpcCidr);
  if (typeof vpc === "string") return [];
  const all = (["public", "isolated"] as const).flatMap((tier) =>
    (tier === "public" ? env.network.publicSubnets : env.network.isolatedSubnets).map((s, index) => ({
      tier,
      index,
      ...s,
      path: `network.${tier}Subnets[${index}]`,
    })),
  );
  if (all.some((s) => s.cidr === undefined)) {
    if (errors.length > 0) return [];
    try {
      const plan = planNetwork({
        vpcCidr: env.network.vpcCidr,
        publicSubnets: env.network.publicSubnets,
        isolatedSubnets: env.network.isolatedSubnets,
        maxAzs: env.network.maxAzs,
        subnetPrefixLength: env.network.subnetPrefixLength,
      });
      return plan.subnets.map((p, i) => ({ ...all[i], cidr: mustParseCidr(p.cidr) }));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      errors.push({ path: `network.${e.field}`, value: e.value, rule: e.rule });
      return [];
    }
  }
  return all.map((s) => ({ ...s, cidr: mustParseCidr(s.cidr!) }));
}

function tierSubnets(subnets: ResolvedSubnet[], tier: Tier): ResolvedSubnet[] {
  return subnets.filter((s) => s.tier === tier);
}

/** Run every cross-field rule. */
export function checkRules(env: EnvConfig): RuleResult {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const err = (path: string, value: unknown, rule: string) => errors.push({ path, value, rule });
  const warn = (path: string, value: unknown, rule: string) => warnings.push({ path, value, rule });

  // --- network: F1 (CIDR conflicts), AZs in the region
  const vpc = parseCidr(env.network.vpcCidr);
  const subnets = resolveSubnets(env, errors);
  if (typeof vpc !== "string") {
    for (const s of subnets) {
      if (!cidrContains(vpc, s.cidr))
        err(`${s.path}.cidr`, s.cidr.text, `is outside network.vpcCidr ${vpc.text}`);
      if (s.cidr.prefix > 28)
        err(`${s.path}.cidr`, s.cidr.text, "is smaller than /28, the smallest AWS subnet");
    }
    subnets.forEach((a, i) =>
      subnets.slice(i + 1).forEach((b) => {
        if (cidrOverlaps(a.cidr, b.cidr)) {
          err(
            `${b.path}.cidr`,
            b.cidr.text,
            `overlaps ${a.path}.cidr ${a.cidr.text} (subnets of one VPC must not overlap)`,
          );
        }
      }),
    );
    if (subnets.some((s) => s.cidr.text === vpc.text) && subnets.length > 1) {
      // the guide's failure 1: one subnet took the whole VPC range
      const whole = subnets.find((s) => s.cidr.text === vpc.text)!;
      err(
        `${whole.path}.cidr`,
        whole.cidr.text,
        "takes the whole VPC range, leaving no room for the other subnets",
      );
    }
  }
  if (env.network.publicSubnets.length + env.network.isolatedSubnets.length === 0) {
    err("network", "(no subnets)", "needs at least one public or isolated subnet");
  }
  for (const s of subnets) {
    const problem = availabilityZoneProblem(s.az, env.region);
    if (problem) err(`${s.path}.az`, s.az, problem);
  }
  // --- every subnet holds the network interfaces placed in it (AWS keeps 5 addresses per subnet)
  for (const s of subnets) {
    const inVpc = env.database.access === "vpc";
    const enis =
      (env.endpoints.subnetTier === s.tier ? env.endpoints.services.length : 0) +
      (inVpc && env.compute.subnetTier === s.tier ? LAMBDA_ENIS_PER_SUBNET : 0) +
      (env.database.subnetTier === s.tier ? env.database.instanceCount : 0);
    const usable = 2 ** (32 - s.cidr.prefix) - 5;
    if (enis > usable) {
      err(
        `${s.path}.cidr`,
        s.cidr.text,
        `has ${usable} usable addresses but may need ${enis} (interface endpoints, the functions' network interfaces and database instances); use a larger subnet`,
      );
    }
  }
  for (const tier of ["public", "isolated"] as const) {
    const seen = new Map<string, string>();
    for (const s of tierSubnets(subnets, tier)) {
      if (seen.has(s.az))
        err(`${s.path}.az`, s.az, `is used twice in the ${tier} tier (also ${seen.get(s.az)})`);
      seen.set(s.az, s.path);
    }
  }

  // --- tiers the database, endpoints and function live in must exist
  const tierAzs = (tier: Tier) => new Set(tierSubnets(subnets, tier).map((s) => s.az));
  for (const [path, tier] of [
    ["database.subnetTier", env.database.subnetTier],
    ["endpoints.subnetTier", env.endpoints.subnetTier],
    ["compute.subnetTier", env.compute.subnetTier],
  ] as const) {
    const list = tier === "public" ? env.network.publicSubnets : env.network.isolatedSubnets;
    if (list.length === 0) err(path, tier, `names the ${tier} tier, but network.${tier}Subnets is empty`);
  }
  if (
    subnets.length > 0 &&
    tierAzs(env.database.subnetTier).size < 2 &&
    (env.database.subnetTier === "public" ? env.network.publicSubnets : env.network.isolatedSubnets).length >
      0
  ) {
    err(
      "database.subnetTier",
      env.database.subnetTier,
      `must span at least two availability zones (a DB subnet group needs two); the ${env.database.subnetTier} tier has ${tierAzs(env.database.subnetTier).size}`,
    );
  }
  const computeAzs = tierAzs(env.compute.subnetTier);
  const endpointAzs = tierAzs(env.endpoints.subnetTier);
  const endpointsEverywhere = env.database.access === "vpc" && env.endpoints.placement === "all-azs";
  for (const az of endpointsEverywhere ? computeAzs : []) {
    if (!endpointAzs.has(az)) {
      warn(
        "endpoints.subnetTier",
        env.endpoints.subnetTier,
        `has no subnet in ${az}, where the function runs (cross-AZ traffic to the endpoints)`,
      );
    }
  }

  // --- F2 / F3: a public database needs public subnets routed to an internet gateway and DNS
  if (env.database.publiclyAccessible && env.database.subnetTier !== "public") {
    err(
      "database.publiclyAccessible",
      true,
      `requires database.subnetTier "public" (subnets routed to an internet gateway); it is "${env.database.subnetTier}"`,
    );
  }

  // --- F4: every AWS service the function calls needs an interface endpoint (no NAT here)
  for (const service of servicesCalled(env)) {
    if (!env.endpoints.services.includes(service)) {
      err(
        "endpoints.services",
        env.endpoints.services,
        `must include "${service}": the function calls it and a Lambda in a VPC without NAT reaches AWS services only through interface endpoints`,
      );
    }
  }
  // --- database access through the RDS Data API: nothing of the stack runs in the VPC
  if (env.database.access === "data-api") {
    const dataApiRegion = dataApiRegionProblem(env.region);
    if (dataApiRegion) err("region", env.region, `${dataApiRegion} (database.access "data-api")`);
    const dataApi = dataApiProblem(env.database.engineVersion);
    if (dataApi)
      err("database.engineVersion", env.database.engineVersion, `${dataApi} (database.access "data-api")`);
    if (env.endpoints.services.length > 0) {
      err(
        "endpoints.services",
        env.endpoints.services,
        'must be empty with database.access "data-api": no function runs in the VPC, so interface endpoints would be billed for nothing (the functions reach Secrets Manager, Bedrock and the Data API at their public endpoints)',
      );
    }
    if (env.endpoints.placement !== "all-azs") {
      err(
        "endpoints.placement",
        env.endpoints.placement,
        'has no effect with database.access "data-api" (there are no interface endpoints); remove it',
      );
    }
    if (env.database.publiclyAccessible) {
      err(
        "database.publiclyAccessible",
        true,
        'must be false with database.access "data-api": developers reach the database through the Data API as well (aws rds-data execute-statement, the RDS query editor), signed with IAM, so no public address is needed',
      );
    }
    if (env.security.developerCidrs.length > 0) {
      err(
        "security.developerCidrs",
        env.security.developerCidrs,
        'must be empty with database.access "data-api": the database port is not reachable from outside the VPC (database.publiclyAccessible is false); developers use the Data API',
      );
    }
    if (env.secretRotation.enabled) {
      err(
        "secretRotation.enabled",
        true,
        'must be false with database.access "data-api": the rotation function changes the password over a PostgreSQL connection from inside the VPC, and this mode has no function in the VPC and no Secrets Manager endpoint there',
      );
    }
  }
  const dupServices = env.endpoints.services.filter((s, i, a) => a.indexOf(s) !== i);
  if (dupServices.length > 0)
    err("endpoints.services", env.endpoints.services, `lists ${dupServices.join(", ")} twice`);

  // --- F7: every environment variable non-empty, none reserved, none shadowing the stack's own
  for (const message of validateEnvironment("compute.environment", env.compute.environment)) {
    const [path, ...rest] = message.split(" ");
    errors.push({ path, value: undefined, rule: rest.join(" ") });
  }
  for (const name of STACK_OWNED_ENV_VARS) {
    if (name in env.compute.environment) {
      err(
        `compute.environment.${name}`,
        env.compute.environment[name],
        "is set by the stack from its own secrets and settings; remove it",
      );
    }
  }

  // --- database capacity
  const db = env.database;
  if (db.minCapacity > db.maxCapacity) {
    err("database.minCapacity", db.minCapacity, `must not exceed database.maxCapacity ${db.maxCapacity}`);
  }
  if (db.maxCapacity < 1)
    err("database.maxCapacity", db.maxCapacity, "must be at least 1 ACU (Aurora Serverless v2)");
  const range = capacityRangeProblem(db.engineVersion, db.minCapacity, db.maxCapacity);
  if (range) err(`database.${range.field}`, db[range.field], range.rule);
  if (db.secondsUntilAutoPause !== undefined && db.minCapacity !== 0) {
    err(
      "database.secondsUntilAutoPause",
      db.secondsUntilAutoPause,
      "is only allowed with database.minCapacity 0 (scale to zero)",
    );
  }
  if (!env.production && env.secrets.recoveryWindowDays > 0) {
    warn(
      "secrets.recoveryWindowDays",
      env.secrets.recoveryWindowDays,
      "keeps the secret names taken for that many days after a destroy: deploying this environment again fails until then (0 deletes at once)",
    );
  }
  if (db.skipFinalSnapshot && db.deletionProtection) {
    warn("database.skipFinalSnapshot", true, "has no effect while deletionProtection is on");
  }

  // --- identifiers the file sets or derives (the synthesized stack is checked again for every name)
  if (env.namePrefix !== env.project && !env.namePrefix.startsWith(`${env.project}-`)) {
    // the delivery roles may touch only names under the project (stacks/delivery-permissions.ts)
    err(
      "namePrefix",
      env.namePrefix,
      `must be the project name "${env.project}" or start with "${env.project}-"`,
    );
  }
  const clusterId = `${env.namePrefix}-cluster`;
  const clusterProblem = awsNameProblem("aws_rds_cluster.cluster_identifier", clusterId);
  if (clusterProblem)
    err("namePrefix", env.namePrefix, `gives the Aurora identifier "${clusterId}", which ${clusterProblem}`);
  const names = secretNames(env);
  for (const [path, name] of [
    ["secrets.databaseSecretName", names.database],
    ["secrets.appSecretName", names.app],
  ] as const) {
    const problem = awsNameProblem("aws_secretsmanager_secret.name", name);
    if (problem) err(path, name, problem);
  }
  if (names.database === names.app)
    err("secrets.appSecretName", names.app, "must differ from secrets.databaseSecretName");
  const fn = env.compute.functionName ?? `${env.namePrefix}-backend`;
  const fnProblem = awsNameProblem("aws_lambda_function.function_name", fn);
  if (fnProblem) err("compute.functionName", fn, fnProblem);

  // --- compute
  if (env.compute.provisionedConcurrency !== undefined && env.compute.reservedConcurrency !== undefined) {
    if (env.compute.provisionedConcurrency > env.compute.reservedConcurrency) {
      err(
        "compute.provisionedConcurrency",
        env.compute.provisionedConcurrency,
        `must not exceed compute.reservedConcurrency ${env.compute.reservedConcurrency}`,
      );
    }
  }
  if (env.compute.reservedConcurrency !== undefined) {
    const problem = reservedConcurrencyProblem(
      env.compute.reservedConcurrency,
      env.compute.accountConcurrency,
    );
    if (problem) err("compute.reservedConcurrency", env.compute.reservedConcurrency, problem);
  }
  if (env.compute.supportFunctionReservedConcurrency !== undefined) {
    // the backend's reservation and the support functions' (database bootstrap, and secret
    // rotation when on) come out of the same account pool
    const supportFunctions = 1 + (env.secretRotation.enabled ? 1 : 0);
    const total =
      (env.compute.reservedConcurrency ?? 0) +
      supportFunctions * env.compute.supportFunctionReservedConcurrency;
    const problem = reservedConcurrencyProblem(total, env.compute.accountConcurrency);
    if (problem) {
      err(
        "compute.supportFunctionReservedConcurrency",
        env.compute.supportFunctionReservedConcurrency,
        `with compute.reservedConcurrency reserves ${total} concurrent executions, which ${problem}`,
      );
    }
  }
  if (env.compute.provisionedConcurrency !== undefined) {
    const problem = reservedConcurrencyProblem(
      env.compute.provisionedConcurrency,
      env.compute.accountConcurrency,
    );
    if (problem) err("compute.provisionedConcurrency", env.compute.provisionedConcurrency, problem);
  }

  // --- security: developer access to the database port (each CIDR is checked by the security module)
  if (env.security.developerCidrs.length > 0 && !env.database.publiclyAccessible) {
    warn(
      "security.developerCidrs",
      env.security.developerCidrs,
      "has no effect while database.publiclyAccessible is false",
    );
  }

  // --- production minimums (stacks/config/production.ts)
  errors.push(...productionProblems(env));
  return { errors, warnings };
}
