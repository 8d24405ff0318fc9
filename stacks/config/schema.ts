/**
 * The environment file schema: one JSON file per environment in
 * `stacks/environments/<env>.json`, validated with zod before any construct
 * is built. Field-level rules live here; rules that relate several fields
 * (subnets inside the VPC, endpoints for every called service, production
 * guardrails...) live in `rules.ts`.
 *
 * The JSON Schema that editors use (`stacks/environments/environment.schema.json`)
 * is generated from this file by `npm run schema`; a test keeps them in sync.
 */
import { z } from "zod";
import { parseCidr } from "../../modules/core/cidr";
import { ConfigError, validateName } from "../../modules/core/core";
import { validatePostgresIdentifier, validatePostgresUsername } from "../../modules/core/postgres";
import { backendConfigSchema } from "../../modules/backend/backend";
import { logRetentionSchema } from "../../modules/core/logs";
import { AVAILABILITY_ZONES, availabilityZoneSchema, awsRegionSchema } from "../../modules/core/regions";
import { TAG_LIMITS, tagKeyProblem, tagValueProblem } from "../../modules/core/aws-names";
import { DEFAULT_ENGINE_VERSION, engineVersionProblem } from "../../modules/database/database";
import { AURORA_POSTGRES_VERSIONS, ENGINE_VERSIONS_CHECKED } from "../../modules/database/engine-versions";
import {
  ENDPOINT_PLACEMENTS,
  type EndpointPlacement,
  endpointServiceProblem,
  DEFAULT_ENDPOINT_SERVICES,
  INTERFACE_ENDPOINT_SERVICES,
} from "../../modules/endpoints/endpoints";
import { developerCidrProblem, developerCidrsProblem } from "../../modules/security/security";
import {
  ACCOUNT_CONCURRENCY,
  LAMBDA_RUNTIMES,
  LAMBDA_RUNTIMES_CHECKED,
  lambdaRuntimeProblem,
} from "../../modules/compute/compute";
import { observabilityConfigSchema } from "../../modules/observability/observability";
import { ROTATION_DAYS, rotationDaysProblem } from "../../modules/rotation/rotation";
import { policySettingsSchema } from "./policy-settings";

/**
 * The environment whose physical names are the deployment guide's own
 * (`hr-chatbot-cluster`, `hr-chatbot/database`, ...): its default name
 * prefix is the project name. Every other environment's default is
 * `<project>-<name>`, so a copy of its file under a new name gets names of
 * its own.
 */
export const GUIDE_ENVIRONMENT = "dev";

/** The default name prefix of an environment: see {@link GUIDE_ENVIRONMENT}. */
export function defaultNamePrefix(project: string, name: string): string {
  return name === GUIDE_ENVIRONMENT ? project : `${project}-${name}`;
}

/**
 * Resolve the names an environment derives: the name prefix, the function
 * name (`<prefix>-backend`) and the secret names (`<prefix>/database`,
 * `<prefix>/app-secrets`) and the secrets' recovery window (0 days, 30 in
 * production), unless the file sets them.
 */
function resolveNames<
  T extends {
    name: string;
    project: string;
    namePrefix?: string;
    production: boolean;
    secrets: { databaseSecretName?: string; appSecretName?: string; recoveryWindowDays?: number };
    compute: { functionName?: string };
  },
>(env: T): T & { namePrefix: string; secrets: T["secrets"] & { recoveryWindowDays: number } } {
  const namePrefix = env.namePrefix ?? defaultNamePrefix(env.project, env.name);
  return {
    ...env,
    namePrefix,
    secrets: {
      ...env.secrets,
      databaseSecretName: env.secrets.databaseSecretName ?? `${namePrefix}/database`,
      appSecretName: env.secrets.appSecretName ?? `${namePrefix}/app-secrets`,
      // a destroyed non-production environment can be deployed again at once
      recoveryWindowDays: env.secrets.recoveryWindowDays ?? (env.production ? 30 : 0),
    },
    compute: { ...env.compute, functionName: env.compute.functionName ?? `${namePrefix}-backend` },
  };
}

/** An IPv4 CIDR block with the host bits clear. */
export const cidrSchema = z.string().superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
});

const azSchema = availabilityZoneSchema.meta({ enum: [...AVAILABILITY_ZONES] });

/** Turn a module's `xxxProblem(value)` validator into a zod refinement. */
function problemOf<T>(problem: (value: T) => string | undefined) {
  return (value: T, ctx: z.RefinementCtx) => {
    const rule = problem(value);
    if (rule) ctx.addIssue({ code: "custom", message: rule });
  };
}

const runtimeSchema = z
  .string()
  .superRefine(problemOf((v: string) => lambdaRuntimeProblem(v)))
  .meta({
    // editors list the runtimes usable on the date the table was checked; synth checks today's date
    enum: Object.keys(LAMBDA_RUNTIMES).filter(
      (r) => !lambdaRuntimeProblem(r, new Date(LAMBDA_RUNTIMES_CHECKED)),
    ),
  })
  .optional()
  .describe("Lambda runtime. @default nodejs22.x");

const tagsSchema = z
  .record(
    z.string().superRefine(problemOf(tagKeyProblem)).meta({ pattern: "^(?![aA][wW][sS]:).{1,128}$" }),
    z.string().superRefine(problemOf(tagValueProblem)),
  )
  .refine((t) => Object.keys(t).length <= TAG_LIMITS.maxTags - 1, {
    message: `must have at most ${TAG_LIMITS.maxTags - 1} tags (AWS allows ${TAG_LIMITS.maxTags} per resource; the modules add Name)`,
  });

const subnetSchema = z.strictObject({
  az: azSchema.describe("Availability zone, e.g. ap-northeast-1a."),
  cidr: cidrSchema.optional().describe("Subnet CIDR; derived from the VPC CIDR when omitted."),
});

const tierSchema = z.enum(["public", "isolated"]);

/** Run a module's validator (which throws a ConfigError) as a zod refinement, keeping its rule text. */
function refineWith(validate: (field: string, value: string) => unknown) {
  return (value: string, ctx: z.RefinementCtx) => {
    try {
      validate("value", value);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      ctx.addIssue({ code: "custom", message: e.rule });
    }
  };
}

const intIn = (min: number, max: number) =>
  z
    .number()
    .int(`must be a whole number`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const retentionDays = logRetentionSchema.describe("CloudWatch Logs retention in days.");

const acu = z
  .number()
  .min(0, "must be at least 0 ACU")
  .max(256, "must be at most 256 ACU")
  .refine((v) => Number.isInteger(v * 2), "must be a multiple of 0.5 ACU");

const codeSchema = z.discriminatedUnion("type", [
  z
    .strictObject({ type: z.literal("placeholder") })
    .describe("The placeholder handler shipped in modules/compute."),
  z.strictObject({
    type: z.literal("asset"),
    path: z.string().min(1).describe("Directory or .zip file, relative to the environment file."),
    handler: z.string().min(1).optional(),
    runtime: runtimeSchema,
  }),
  z.strictObject({
    type: z.literal("s3"),
    bucket: z.string().min(3),
    key: z.string().min(1),
    objectVersion: z.string().optional(),
    handler: z.string().min(1).optional(),
    runtime: runtimeSchema,
  }),
  z.strictObject({
    type: z.literal("image"),
    imageUri: z
      .string()
      .regex(
        /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9._\/-]+(:[\w.-]+|@sha256:[a-f0-9]{64})$/,
        "must be an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)",
      ),
    command: z.array(z.string()).optional(),
  }),
]);

/** The environment file. */
export const environmentSchema = z
  .strictObject({
    $schema: z.string().optional().describe("Path of the JSON Schema, for editors."),
    name: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,19}$/,
        "must be 1-20 lower-case letters, digits or hyphens, starting with a letter",
      )
      .describe("Environment name; also the stack name and the state key segment."),
    project: z
      .string()
      .superRefine(refineWith(validateName))
      .meta({ pattern: "^[a-z](?!.*--)[a-z0-9-]{0,38}[a-z0-9]$" })
      .default("hr-chatbot")
      .describe("Project name: first segment of every state key, Project tag, scope of the delivery roles."),
    namePrefix: z
      .string()
      .superRefine(refineWith(validateName))
      .meta({ pattern: "^[a-z](?!.*--)[a-z0-9-]{0,38}[a-z0-9]$" })
      .optional()
      .describe(
        `Prefix of every physical name (cluster, function, roles, secrets, log groups, alarms, ...): the project name or "<project>-<suffix>". @default the project name for the environment named "${GUIDE_ENVIRONMENT}" (the deployment guide's names), "<project>-<name>" for every other`,
      ),
    allowedAccountIds: z
      .array(z.string().regex(/^\d{12}$/, { error: "must be a 12-digit AWS account id" }))
      .min(1, { error: "must list at least one account" })
      .refine((ids) => new Set(ids).size === ids.length, { error: "lists an account twice" })
      .describe(
        "AWS accounts this environment may deploy to (the aws provider's allowed_account_ids): Terraform stops before any change in another account. 123456789012 in the shipped files is a placeholder: replace it with your account id.",
      ),
    production: z
      .boolean()
      .default(false)
      .describe(
        "Production guardrails apply when true. Environments named prod, prod-*, production or production-* are production whatever this says.",
      ),
    region: awsRegionSchema.describe("AWS region of every resource."),
    tags: tagsSchema.default({}).describe("Tags on every taggable resource."),
    backend: backendConfigSchema.describe("Where Terraform keeps this environment's state."),
    network: z.strictObject({
      vpcCidr: cidrSchema.describe("VPC IPv4 range."),
      publicSubnets: z.array(subnetSchema).default([]).describe("Subnets routed to the internet gateway."),
      isolatedSubnets: z.array(subnetSchema).default([]).describe("Subnets without any internet route."),
      enableDnsSupport: z
        .literal(true, {
          error:
            "must be true: private DNS for interface endpoints and a reachable database need DNS support",
        })
        .default(true)
        .describe("Always true; listed so a file that turns it off is rejected with a reason."),
      enableDnsHostnames: z
        .literal(true, {
          error: "must be true: a publicly accessible database and private DNS endpoints need DNS hostnames",
        })
        .default(true)
        .describe("Always true; listed so a file that turns it off is rejected with a reason."),
      maxAzs: intIn(1, 16)
        .optional()
        .describe(
          "Availability zones each tier reserves blocks for when subnet CIDRs are derived: adding an AZ appends a block and moves no subnet. @default 4",
        ),
      subnetPrefixLength: intIn(16, 28)
        .optional()
        .describe(
          "Prefix length of derived subnets. @default the VPC prefix + log2(2 x maxAzs) rounded up (a /24 with 4 AZs: /27)",
        ),
      mapPublicIpOnLaunch: z.boolean().default(false).describe("Public IPs for instances in public subnets."),
      flowLogs: z.boolean().default(false).describe("VPC flow logs to CloudWatch Logs."),
    }),
    security: z
      .strictObject({
        developerCidrs: z
          .array(z.string().superRefine(problemOf(developerCidrProblem)))
          .superRefine(problemOf(developerCidrsProblem))
          .default([])
          .describe("CIDRs that may reach the database port directly (development only)."),
      })
      .default({ developerCidrs: [] }),
    database: z.strictObject({
      subnetTier: tierSchema.describe("Subnet tier of the DB subnet group."),
      engineVersion: z
        .string()
        .superRefine(problemOf(engineVersionProblem))
        .meta({ enum: Object.keys(AURORA_POSTGRES_VERSIONS) })
        .default(DEFAULT_ENGINE_VERSION)
        .describe(
          `Aurora PostgreSQL version major.minor that RDS offers for Serverless v2 (modules/database/engine-versions.ts, checked ${ENGINE_VERSIONS_CHECKED}).`,
        ),
      allowMajorVersionUpgrade: z
        .boolean()
        .default(false)
        .describe(
          "Let engineVersion move to a newer major version than the deployed one (<env>.lock.json): sets allow_major_version_upgrade on the cluster.",
        ),
      acknowledgeReplacement: z
        .boolean()
        .default(false)
        .describe(
          "Accept that a changed replace-forcing value (project, databaseName, masterUsername, secrets.customerManagedKey against <env>.lock.json) replaces the cluster with a new, empty one. Remove it after the apply and npm run lock.",
        ),
      databaseName: z
        .string()
        .superRefine(refineWith(validatePostgresIdentifier))
        .optional()
        .describe(
          'Initial database: a PostgreSQL identifier, not a reserved word. @default "app" (the database module\'s default)',
        ),
      masterUsername: z
        .string()
        .superRefine(refineWith(validatePostgresUsername))
        .default("postgres")
        .describe("Master user: 1-63 letters, digits or underscores, not reserved by PostgreSQL or RDS."),
      minCapacity: acu.default(0.5).describe("Minimum Aurora capacity units (0 enables auto-pause)."),
      maxCapacity: acu.default(2).describe("Maximum Aurora capacity units."),
      secondsUntilAutoPause: intIn(300, 86400)
        .optional()
        .describe("Auto-pause delay; only with minCapacity 0."),
      instanceCount: intIn(1, 15).default(1),
      publiclyAccessible: z.boolean().default(false),
      deletionProtection: z.boolean().default(true),
      backupRetentionDays: intIn(1, 35).default(7),
      skipFinalSnapshot: z.boolean().default(false),
      performanceInsights: z.boolean().default(false),
      logRetentionDays: retentionDays.default(30),
      access: z
        .enum(["vpc", "data-api"])
        .default("vpc")
        .describe(
          'How the backend and db-bootstrap functions reach the database. "vpc": in the VPC, PostgreSQL on 5432, AWS services through the interface endpoints. "data-api": outside the VPC through the RDS Data API (HTTPS, IAM); no interface endpoints (endpoints.services must be empty).',
        ),
    }),
    secrets: z
      .strictObject({
        databaseSecretName: z.string().optional().describe("@default <namePrefix>/database"),
        appSecretName: z.string().optional().describe("@default <namePrefix>/app-secrets"),
        recoveryWindowDays: z
          .number()
          .int()
          .refine((v) => v === 0 || (v >= 7 && v <= 30), "must be 0 (delete at once) or 7-30 days")
          .optional()
          .describe(
            "Days a deleted secret can be restored; its name stays taken meanwhile, so a destroy followed by a deploy fails until the window ends. 0 deletes at once. @default 0, 30 in production",
          ),
        customerManagedKey: z
          .boolean()
          .default(false)
          .describe("Encrypt the secrets with a customer KMS key."),
      })
      .default({ customerManagedKey: false }),
    secretRotation: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            "Rotate the database secret's password on a schedule (single-user rotation function in the VPC).",
          ),
        automaticallyAfterDays: z
          .number()
          .superRefine(problemOf(rotationDaysProblem))
          .default(ROTATION_DAYS.default)
          .describe("Days between rotations (Secrets Manager's automatically_after_days, 1-1000)."),
      })
      .default({ enabled: false, automaticallyAfterDays: ROTATION_DAYS.default })
      .describe("Scheduled rotation of the database secret."),
    endpoints: z.strictObject({
      subnetTier: tierSchema.describe("Subnet tier the interface endpoints live in."),
      services: z
        .array(
          z
            .string()
            .superRefine(problemOf(endpointServiceProblem))
            .meta({ enum: [...INTERFACE_ENDPOINT_SERVICES] }),
        )
        .default([...DEFAULT_ENDPOINT_SERVICES])
        .describe("Services with an interface endpoint (short names such as secretsmanager)."),
      placement: z
        .enum(ENDPOINT_PLACEMENTS as [EndpointPlacement, ...EndpointPlacement[]])
        .default("all-azs")
        .describe(
          '"all-azs": an endpoint network interface in every subnet of the tier. "single-az": only in the first (one endpoint-AZ-hour per service instead of one per zone; an outage of that zone cuts the functions off from Secrets Manager and Bedrock). Refused in production.',
        ),
    }),
    compute: z.strictObject({
      functionName: z.string().optional().describe("@default <namePrefix>-backend"),
      subnetTier: tierSchema.describe("Subnet tier the function's network interfaces live in."),
      code: codeSchema.default({ type: "placeholder" }),
      memoryMb: intIn(128, 10240).default(1024).describe("Lambda memory in MB."),
      timeoutSeconds: intIn(1, 900).default(60).describe("Lambda timeout in seconds."),
      enableRag: z.boolean().default(true),
      llmModelId: z.string().min(1).default("amazon.nova-pro-v1:0"),
      embeddingModelId: z.string().min(1).default("cohere.embed-v4:0"),
      environment: z.record(z.string(), z.string()).default({}).describe("Extra environment variables."),
      logRetentionDays: retentionDays.default(30),
      reservedConcurrency: intIn(0, 1_000_000).optional().describe("Reserved concurrent executions."),
      supportFunctionReservedConcurrency: intIn(1, 1_000_000)
        .optional()
        .describe(
          "Reserved concurrent executions of each of the project's own functions (database bootstrap, secret rotation). @default unreserved",
        ),
      provisionedConcurrency: intIn(1, 1_000_000)
        .optional()
        .describe("Provisioned concurrency on the alias live."),
      accountConcurrency: intIn(ACCOUNT_CONCURRENCY.defaultQuota, 1_000_000)
        .default(ACCOUNT_CONCURRENCY.defaultQuota)
        .describe(
          "The account's concurrent executions quota in the region (Service Quotas); bounds reservedConcurrency.",
        ),
      tracing: z.enum(["Active", "PassThrough"]).default("PassThrough"),
      logFormat: z.enum(["JSON", "Text"]).default("JSON"),
    }),
    api: z
      .strictObject({
        burstLimit: intIn(1, 10000).default(100),
        rateLimit: intIn(1, 10000).default(50),
        logRetentionDays: retentionDays.default(30),
        corsAllowOrigins: z
          .array(
            z.string().regex(/^(\*|https?:\/\/[A-Za-z0-9.*-]+(:\d{1,5})?)$/, {
              error:
                'must be "*" or an origin such as https://app.example.com (scheme, host and optional port, no path)',
            }),
          )
          .default([])
          .describe("CORS allowed origins of the HTTP API; none turns CORS off."),
      })
      .default({ burstLimit: 100, rateLimit: 50, logRetentionDays: 30, corsAllowOrigins: [] }),
    observability: observabilityConfigSchema
      .prefault({})
      .describe("Alarms, dashboard and flow log settings."),
    policy: policySettingsSchema
      .prefault({})
      .describe(
        "Policy review of this environment's plans: accepted exceptions and checkov skips, each with a reason.",
      ),
  })
  .describe("An hr-chatbot environment: one deployable stack.")
  .transform(resolveNames);

/** An environment file as written. */
export type EnvironmentInput = z.input<typeof environmentSchema>;
/** A validated environment with every default resolved. */
export type EnvConfig = z.output<typeof environmentSchema>;
