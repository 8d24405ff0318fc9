/**
 * Where a stack keeps its Terraform state: the `backend` section of an
 * environment file, validated with zod, and `configureBackend`, which
 * declares that backend on a stack.
 *
 * Three kinds:
 *  - `s3`: one object per stack at `<keyPrefix>/<environment>/<stack>.tfstate`
 *    in a bucket made by the state bootstrap stack. Encryption and Terraform's
 *    native S3 lock file (`use_lockfile`, Terraform >= 1.10) are always on; the
 *    deprecated DynamoDB lock table is not supported.
 *  - `local`: a state file on disk, for experiments and for the very first
 *    apply of the state bootstrap stack (its bucket does not exist yet).
 *  - `cloud`: HCP Terraform / Terraform Enterprise workspaces.
 */
import * as path from "path";
import { z } from "zod";
import {
  CloudBackend,
  LocalBackend,
  NamedCloudWorkspace,
  S3Backend,
  TaggedCloudWorkspaces,
  TerraformBackend,
  TerraformStack,
} from "cdktf";
import type { S3BackendConfig } from "cdktf";
import { fail } from "../core";
import { s3BucketNameProblem } from "../core/aws-names";
import { awsRegionSchema } from "../core/regions";

/** One segment of a state key: letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
const KEY_SEGMENT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const KEY_PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const KMS_KEY_RE =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]+)$/;
const ROLE_ARN_RE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/;
const TFC_NAME_RE = /^[A-Za-z0-9_-]+$/;
const TFC_TAG_RE = /^[A-Za-z0-9]([A-Za-z0-9:_-]*[A-Za-z0-9])?$/;
const TFC_PROJECT_RE = /^[A-Za-z0-9_-]([A-Za-z0-9 _-]{0,38}[A-Za-z0-9_-])?$/;
const HOSTNAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/i;

/** A required string whose "missing" and "wrong type" messages differ. */
function requiredString(what: string) {
  return z.string({
    error: (issue) => (issue.input === undefined ? `is required: ${what}` : "must be a string"),
  });
}

/** Explain settings a backend does not accept, instead of zod's bare "Unrecognized key". */
function unsupportedKeys(kind: string, hints: Readonly<Record<string, string>>) {
  return (issue: { code?: string; keys?: string[] }): string | undefined => {
    if (issue.code !== "unrecognized_keys" || !issue.keys) return undefined;
    return issue.keys
      .map((key) => `${key}: is not a setting of the ${kind} backend${hints[key] ? `: ${hints[key]}` : ""}`)
      .join("; ");
  };
}

const ALWAYS_ON = "it is always true";
const NO_DYNAMODB = "locking always uses the S3 lock file (use_lockfile), DynamoDB locking is deprecated";

/** Zod schema of an `s3` backend. */
export const s3BackendConfigSchema = z
  .strictObject(
    {
      type: z.literal("s3"),
      bucket: requiredString("the name of the state bucket")
        .superRefine((value, ctx) => {
          const problem = s3BucketNameProblem(value);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        })
        .meta({
          description: "State bucket, created by the state bootstrap stack (S3 naming rules, no periods).",
          pattern: "^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
        }),
      region: awsRegionSchema.describe("Region of the state bucket, e.g. ap-northeast-1."),
      keyPrefix: z
        .string()
        .regex(KEY_PREFIX_RE, {
          error:
            "must be one or more '/'-separated segments of letters, digits, '.', '_' or '-' (no leading or trailing '/')",
        })
        .optional()
        .describe(
          "First segment(s) of every state key <keyPrefix>/<environment>/<stack>.tfstate. @default the project name",
        ),
      kmsKeyId: z
        .string()
        .regex(KMS_KEY_RE, { error: "must be a KMS key ARN, alias ARN, key id or alias/<name>" })
        .optional()
        .describe(
          "KMS key that encrypts the state objects (the S3 backend's kms_key_id). An alias/<name> is created, rotation on, by the state bootstrap stack of the bucket; a key ARN or id names a key you manage. @default the bucket's default encryption",
        ),
      profile: z
        .string()
        .min(1, { error: "must not be empty" })
        .optional()
        .describe("Named AWS profile for the backend. @default the standard credential chain"),
      roleArn: z
        .string()
        .regex(ROLE_ARN_RE, { error: "must be an IAM role ARN" })
        .optional()
        .describe("IAM role the backend assumes to read and write state. @default none"),
    },
    {
      error: unsupportedKeys("s3", {
        encrypt: ALWAYS_ON,
        useLockfile: ALWAYS_ON,
        use_lockfile: ALWAYS_ON,
        dynamodbTable: NO_DYNAMODB,
        dynamodb_table: NO_DYNAMODB,
        key: "the key is always <keyPrefix>/<environment>/<stack>.tfstate, set keyPrefix",
      }),
    },
  )
  .describe("State in S3, encrypted, locked with the S3 lock file (use_lockfile).");

/** Zod schema of a `local` backend. */
export const localBackendConfigSchema = z
  .strictObject(
    {
      type: z.literal("local"),
      path: z
        .string()
        .min(1, { error: "must not be empty" })
        .optional()
        .describe(
          "State file; a relative path is relative to the project root. @default terraform.<stack>.tfstate",
        ),
    },
    { error: unsupportedKeys("local", {}) },
  )
  .describe("State in a local file (experiments only: no sharing, no history).");

const workspaceName = z
  .string()
  .max(90, { error: "must be at most 90 characters" })
  .regex(TFC_NAME_RE, { error: "must contain only letters, digits, '-' and '_'" })
  .describe("The one workspace this stack uses.");
const workspaceTag = z.string().max(255, { error: "must be at most 255 characters" }).regex(TFC_TAG_RE, {
  error: "must contain only letters, digits, ':', '-' and '_', and begin and end with a letter or digit",
});

/** Zod schema of a `cloud` backend (HCP Terraform / Terraform Enterprise). */
export const cloudBackendConfigSchema = z
  .strictObject(
    {
      type: z.literal("cloud"),
      organization: requiredString("the HCP Terraform organization")
        .min(1, { error: "must not be empty" })
        .max(40, { error: "must be at most 40 characters" })
        .regex(TFC_NAME_RE, { error: "must contain only letters, digits, '-' and '_'" })
        .describe("Organization that owns the workspace(s)."),
      workspace: z
        .union(
          [
            z.strictObject({ name: workspaceName }),
            z.strictObject({
              tags: z
                .array(workspaceTag)
                .min(1, { error: "must list at least one tag" })
                .describe(
                  "Every workspace carrying all these tags (select one with terraform workspace select).",
                ),
            }),
          ],
          { error: "must be either { name: <workspace> } or { tags: [<tag>, ...] }" },
        )
        .describe("One named workspace, or the workspaces carrying all the tags."),
      hostname: z
        .string()
        .regex(HOSTNAME_RE, { error: "must be a host name such as app.terraform.io (optionally :port)" })
        .optional()
        .describe("HCP Terraform or Terraform Enterprise host. @default app.terraform.io"),
      project: z
        .string()
        .regex(TFC_PROJECT_RE, { error: "must be 1-40 letters, digits, inner spaces, '-' or '_'" })
        .optional()
        .describe("HCP Terraform project of the workspace(s). @default the organization's default project"),
    },
    {
      error: unsupportedKeys("cloud", {
        token: "use `terraform login` or TF_TOKEN_<host>, never commit a token",
      }),
    },
  )
  .describe("State and runs in HCP Terraform / Terraform Enterprise workspaces.");

/** Zod schema of the `backend` section of an environment file, discriminated on `type`. */
export const backendConfigSchema = z.discriminatedUnion(
  "type",
  [s3BackendConfigSchema, localBackendConfigSchema, cloudBackendConfigSchema],
  {
    error: (issue) =>
      issue.code === "invalid_union" ? 'must be "s3", "local" or "cloud"' : "must be an object with a type",
  },
);

/** The `backend` section of an environment file. */
export type BackendConfig = z.infer<typeof backendConfigSchema>;
/** An `s3` backend section. */
export type S3BackendSection = z.infer<typeof s3BackendConfigSchema>;
/** A `local` backend section. */
export type LocalBackendSection = z.infer<typeof localBackendConfigSchema>;
/** A `cloud` backend section. */
export type CloudBackendSection = z.infer<typeof cloudBackendConfigSchema>;

/** Render a zod issue path as `a.b[0].c`. */
function formatPath(parts: readonly PropertyKey[]): string {
  return parts.reduce<string>(
    (acc, part) =>
      typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
    "",
  );
}

function valueAt(input: unknown, parts: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const part of parts) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/**
 * Validate a `backend` section. Throws a ConfigError naming the field (e.g.
 * `backend.bucket`), the value and the rule it breaks.
 */
export function parseBackendConfig(input: unknown, field = "backend"): BackendConfig {
  const result = backendConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    const at = [...issue.path, key];
    const own = issue.message.split("; ")[0];
    const rule = own.startsWith(`${key}: `) ? own.slice(key.length + 2) : "is not a known setting";
    fail(formatPath([field, ...at]), valueAt(input, at), rule);
  }
  fail(formatPath([field, ...issue.path]), valueAt(input, issue.path), issue.message);
}

/** Identifies one stack's state. */
export interface BackendContext {
  /** Project name, the default first segment of S3 state keys (e.g. `hr-chatbot`). */
  readonly project: string;
  /** Environment name (e.g. `dev`). */
  readonly environment: string;
  /** Stack name, the last segment of the state key and the working directory `cdktf.out/stacks/<stack>`. */
  readonly stackName: string;
}

/**
 * Where cdktf runs Terraform for a stack, relative to the project root. A
 * relative local state path is rewritten relative to this directory so the
 * state file stays in the project root and survives `rm -rf cdktf.out`.
 */
const STACK_DIR_DEPTH = ["cdktf.out", "stacks", "<stack>"].length;

function validateContext(ctx: BackendContext): void {
  for (const key of ["project", "environment", "stackName"] as const) {
    if (!KEY_SEGMENT_RE.test(ctx[key])) {
      fail(
        `backend context ${key}`,
        ctx[key],
        "must be letters, digits, '.', '_' or '-', starting with a letter or digit",
      );
    }
  }
}

/** Validate a state key prefix (`hr-chatbot`, `teams/hr-chatbot`); throws a ConfigError naming `field`. */
export function validateStateKeyPrefix(field: string, value: string): string {
  if (!KEY_PREFIX_RE.test(value)) {
    fail(
      field,
      value,
      "must be '/'-separated segments of letters, digits, '.', '_' or '-' (no leading or trailing '/')",
    );
  }
  return value;
}

/** The S3 state key of a stack: `<keyPrefix>/<environment>/<stack>.tfstate`. */
export function s3StateKey(ctx: BackendContext, keyPrefix: string = ctx.project): string {
  validateContext(ctx);
  validateStateKeyPrefix("backend.keyPrefix", keyPrefix);
  return `${keyPrefix}/${ctx.environment}/${ctx.stackName}.tfstate`;
}

/**
 * Declare `backend` on `stack`. Validates the section again (a hand-written
 * object gets the same checks as an environment file) and returns the
 * backend construct (id `backend`, so a stack has at most one).
 */
export function configureBackend(
  stack: TerraformStack,
  backend: BackendConfig,
  ctx: BackendContext,
): TerraformBackend {
  const config = parseBackendConfig(backend);
  validateContext(ctx);
  switch (config.type) {
    case "s3": {
      const props: S3BackendConfig = {
        bucket: config.bucket,
        region: config.region,
        key: s3StateKey(ctx, config.keyPrefix ?? ctx.project),
        encrypt: true,
        ...(config.kmsKeyId ? { kmsKeyId: config.kmsKeyId } : {}),
        ...(config.profile ? { profile: config.profile } : {}),
        ...(config.roleArn ? { assumeRole: { roleArn: config.roleArn } } : {}),
      };
      const s3 = new S3Backend(stack, props);
      // cdktf 0.21 has no typed `useLockfile`: Terraform >= 1.10 locks with a
      // `<key>.tflock` object written by a conditional PUT.
      s3.addOverride("use_lockfile", true);
      return s3;
    }
    case "local": {
      const file = config.path ?? `terraform.${ctx.stackName}.tfstate`;
      const statePath = path.isAbsolute(file)
        ? file
        : path.posix.join(...Array<string>(STACK_DIR_DEPTH).fill(".."), file);
      return new LocalBackend(stack, { path: statePath });
    }
    case "cloud": {
      const workspaces =
        "name" in config.workspace
          ? new NamedCloudWorkspace(config.workspace.name, config.project)
          : new TaggedCloudWorkspaces([...config.workspace.tags], config.project);
      return new CloudBackend(stack, {
        organization: config.organization,
        workspaces,
        hostname: config.hostname ?? "app.terraform.io",
      });
    }
  }
}
