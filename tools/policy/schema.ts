/**
 * zod schemas for the `policy` section of an environment file, and the
 * translation of an environment file into a {@link PolicyContext}.
 *
 * The environment schema proper (stacks/environments) can embed
 * `policySettingsSchema` as its `policy` field, or `policyExceptionsSchema`
 * and `checkovSkipsSchema` individually.
 */
import { z } from "zod";
import { ConfigError } from "../../modules/core";
import { parseAnyCidr } from "./rules/util";
import { SEVERITIES, type PolicyContext, type Severity } from "./types";

/** Policy rule ids: `HRC-<AREA>-<NNN>`. */
export const RULE_ID_PATTERN = /^HRC-[A-Z0-9]+-\d{3}$/;

const reason = z.string().trim().min(10, "must say why (at least 10 characters)");

/** One accepted policy finding: `{ rule, address?, reason }`. */
export const policyExceptionSchema = z.strictObject({
  rule: z.string().regex(RULE_ID_PATTERN, "must be a policy rule id such as HRC-DB-001"),
  address: z.string().min(1, "must not be empty (omit it to cover every resource)").optional(),
  reason,
});

/** The environment file's `policy.exceptions` list. */
export const policyExceptionsSchema = z.array(policyExceptionSchema);

/** One checkov check to skip: `{ id, resource?, reason }` (`resource` limits the skip to one address). */
export const checkovSkipSchema = z.strictObject({
  id: z.string().regex(/^CKV2?_[A-Z0-9]+_\d+$/, "must be a checkov check id such as CKV_AWS_158"),
  resource: z.string().min(1, "must not be empty (omit it to skip the check everywhere)").optional(),
  reason,
});

/** A parsed checkov skip. */
export type CheckovSkip = z.infer<typeof checkovSkipSchema>;

/** The environment file's `policy.checkovSkips` list. */
export const checkovSkipsSchema = z.array(checkovSkipSchema);

/** One intended ingress source beyond the developer CIDRs: `{ port, cidr, reason }`. */
export const allowedIngressSchema = z.strictObject({
  port: z.number().int().min(0).max(65535),
  cidr: z.string().refine((c) => parseAnyCidr(c) !== undefined, "must be an IPv4 or IPv6 CIDR"),
  reason,
});

/** The whole `policy` section of an environment file. */
export const policySettingsSchema = z.strictObject({
  /** Accepted findings. */
  exceptions: policyExceptionsSchema.default([]),
  /** checkov checks that do not apply, with the reason. */
  checkovSkips: checkovSkipsSchema.default([]),
  /** Tag keys required on every taggable resource, in addition to the keys of the environment's `tags`. */
  requiredTags: z.array(z.string().min(1)).default([]),
  /** Ingress from public ranges that is intended, in addition to security.developerCidrs on the database port. */
  allowedIngress: z.array(allowedIngressSchema).default([]),
  /** Lowest severity that fails the review. */
  failOn: z.enum(SEVERITIES as [Severity, ...Severity[]]).optional(),
});

/** The parsed `policy` section. */
export type PolicySettings = z.infer<typeof policySettingsSchema>;

/** Port the database listens on when the environment file does not say. */
export const DEFAULT_DATABASE_PORT = 5432;

function get(obj: unknown, ...path: string[]): unknown {
  let v = obj;
  for (const p of path) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function pathText(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : `${acc}.${String(p)}`),
    prefix,
  );
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let v = obj;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** Parse `value` with `schema`, throwing a {@link ConfigError} that names the field (`policy.exceptions[0].reason`). */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ConfigError(pathText(field, issue.path), valueAt(value, issue.path), issue.message);
}

/** Parse the environment file's `policy` section (absent means all defaults). */
export function policySettingsOf(env: unknown): PolicySettings {
  return parseOrThrow(policySettingsSchema, get(env, "policy") ?? {}, "policy");
}

/**
 * Build the policy context from an environment file's contents. Reads, all optional:
 * `name`, `production`, `database.publiclyAccessible`, `database.port`,
 * `security.developerCidrs`, `tags` (its keys become required tags) and
 * `policy` (validated strictly with {@link policySettingsSchema}).
 */
export function contextFromEnvironment(env: unknown): PolicyContext {
  const settings = policySettingsOf(env);
  const name = get(env, "name");
  const environment = typeof name === "string" && name !== "" ? name : "unknown";
  const production = get(env, "production");
  const port = get(env, "database", "port");
  const dbPort = typeof port === "number" ? port : DEFAULT_DATABASE_PORT;
  const developerCidrs = get(env, "security", "developerCidrs");
  const tags = get(env, "tags");
  const tagKeys = tags !== null && typeof tags === "object" && !Array.isArray(tags) ? Object.keys(tags) : [];
  return {
    environment,
    production: typeof production === "boolean" ? production : /^prod/.test(environment),
    allowPublicDatabase: get(env, "database", "publiclyAccessible") === true,
    allowedIngress: [
      ...(Array.isArray(developerCidrs) ? developerCidrs : [])
        .filter((c): c is string => typeof c === "string")
        .map((cidr) => ({ port: dbPort, cidr })),
      ...settings.allowedIngress.map(({ port, cidr }) => ({ port, cidr })),
    ],
    requiredTags: [...new Set([...tagKeys, ...settings.requiredTags])],
    exceptions: settings.exceptions,
  };
}

/** The context used when no environment file is given: nothing public allowed, no tags required. */
export function defaultContext(overrides: Partial<PolicyContext> = {}): PolicyContext {
  return {
    environment: "unknown",
    production: false,
    allowPublicDatabase: false,
    allowedIngress: [],
    requiredTags: [],
    exceptions: [],
    ...overrides,
  };
}
