/**
 * zod schemas for the `policy` section of an environment file, and the
 * translation of an environment file into a {@link PolicyContext}.
 *
 * The schemas themselves belong to the environment file format and live in
 * stacks/config/policy-settings.ts; they are re-exported here for the review.
 */
import type { z } from "zod";
import { ConfigError } from "../../modules/core";
import { policySettingsSchema, type PolicySettings } from "../../stacks/config/policy-settings";
import { isProductionName } from "../../stacks/config/production";
import type { PolicyContext } from "./types";

export {
  RULE_ID_PATTERN,
  policyExceptionSchema,
  policyExceptionsSchema,
  checkovSkipSchema,
  checkovSkipsSchema,
  allowedIngressSchema,
  policySettingsSchema,
  type CheckovSkip,
  type PolicySettings,
} from "../../stacks/config/policy-settings";

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
    production: production === true || isProductionName(environment),
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
    allowedIngress: [],
    requiredTags: [],
    exceptions: [],
    ...overrides,
  };
}
