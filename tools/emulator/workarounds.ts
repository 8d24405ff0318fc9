/**
 * Emulator workarounds: the narrowest changes, in the emulator scratch copy
 * only, for APIs moto does not provide or values it does not return the way
 * AWS does. Each one is reported by the scenario; README.md explains why each
 * exists and what is still checked. The synthesized stacks are never changed.
 */
import type { TfJson } from "../offline-plan/standins";
import {
  LOCAL_RUN_CHANGES,
  LOCAL_RUN_DATA_API_CHANGES,
  localInvocationProvisioner,
  usesDataApi,
  type LocalInvocationContext,
} from "./migration";

/** One workaround applied to one resource of a scratch copy. */
export interface Workaround {
  /** Address in the synthesized stack, e.g. `aws_lambda_invocation.db-bootstrap_invocation_4104232A`. */
  readonly resource: string;
  /**
   * `stand-in`: replaced by a terraform_data; `drop-argument`: one argument the emulator does not store
   * is left out; `ignore-changes`: attributes added to lifecycle.ignore_changes.
   */
  readonly kind: "stand-in" | "drop-argument" | "ignore-changes" | "local-run";
  /** Address of the stand-in, the dropped argument paths, or the ignored attributes. */
  readonly detail: string;
  /** Why the emulator needs it. */
  readonly reason: string;
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** A resource type moto cannot apply, replaced by a terraform_data stand-in. */
interface StandInRule {
  readonly type: string;
  readonly reason: string;
  /** The stand-in's `input` (HCL expressions allowed), from the original configuration. */
  readonly input: (cfg: Record<string, unknown>) => Record<string, unknown>;
  /** The stand-in's `triggers_replace`, so it is replaced when the original would be re-run. */
  readonly triggers?: (cfg: Record<string, unknown>) => unknown;
}

/** An argument the emulator does not store, so the provider's wait for it never ends. */
interface DropRule {
  readonly type: string;
  readonly reason: string;
  /** Remove the argument(s) from `cfg` in place; returns the paths removed (empty: rule did not apply). */
  readonly drop: (cfg: Record<string, unknown>) => string[];
}

/** Attributes the emulator does not round-trip, ignored after create (never the attributes the checks read). */
interface IgnoreRule {
  readonly types: readonly string[];
  readonly attributes: readonly string[];
  readonly reason: string;
  /** Only resources whose configuration matches. */
  readonly applies: (cfg: Record<string, unknown>) => boolean;
}

/** Resource types swapped for stand-ins. */
export const STAND_IN_RULES: readonly StandInRule[] = [
  {
    type: "aws_lambda_invocation",
    reason:
      "moto runs Lambda Invoke only in Docker, which is not available here; the function itself is created " +
      "and checked, and the stand-in keeps the invocation's function_name, input, triggers and depends_on",
    input: (cfg) => ({ function_name: cfg.function_name, input: cfg.input, result: "{}" }),
    triggers: (cfg) => cfg.triggers,
  },
];

function asList(v: unknown): Record<string, unknown>[] {
  if (Array.isArray(v)) return v.filter((x): x is Record<string, unknown> => !!x && typeof x === "object");
  return v && typeof v === "object" ? [v as Record<string, unknown>] : [];
}

/** Arguments left out. */
export const DROP_RULES: readonly DropRule[] = [
  {
    type: "aws_s3_bucket_lifecycle_configuration",
    reason:
      "moto 5.2.5 does not store NoncurrentVersionExpiration.NewerNoncurrentVersions, and the provider waits " +
      "(3 min) for GetBucketLifecycleConfiguration to return the rule it put; the rest of the rule is applied " +
      "and checked through the SDK",
    drop: (cfg) => {
      const dropped: string[] = [];
      asList(cfg.rule).forEach((rule, i) =>
        asList(rule.noncurrent_version_expiration).forEach((nve, j) => {
          if ("newer_noncurrent_versions" in nve) {
            delete nve.newer_noncurrent_versions;
            dropped.push(`rule[${i}].noncurrent_version_expiration[${j}].newer_noncurrent_versions`);
          }
        }),
      );
      return dropped;
    },
  },
];

/** Attributes ignored after create. */
export const IGNORE_RULES: readonly IgnoreRule[] = [
  {
    types: ["aws_lambda_function"],
    attributes: ["logging_config"],
    reason:
      "moto 5.2.5 does not store LoggingConfig (log format, log group), so every plan would set it again; " +
      "the log group itself is created and checked",
    applies: (cfg) => cfg.logging_config !== undefined,
  },
  {
    types: ["aws_rds_cluster"],
    attributes: ["scaling_configuration"],
    reason:
      "moto 5.2.5 returns an empty Serverless v1 ScalingConfigurationInfo for a provisioned cluster, which the " +
      "provider reads as a scaling_configuration block; the cluster has none (Serverless v2 scaling is checked)",
    applies: (cfg) => cfg.scaling_configuration === undefined,
  },
  {
    types: ["aws_rds_cluster"],
    attributes: ["enable_http_endpoint"],
    reason:
      "moto 5.2.5 keeps the Data API (HttpEndpointEnabled) off for every cluster but a few Serverless v1 engine " +
      "versions, so every plan would turn it on again; the argument is checked in the synthesized stack, and " +
      "moto's rds-data executes no SQL anyway (the bootstrap package runs its PostgreSQL mode locally)",
    applies: (cfg) => cfg.enable_http_endpoint === true,
  },
  {
    types: ["aws_rds_cluster_instance"],
    attributes: [
      "performance_insights_enabled",
      "performance_insights_kms_key_id",
      "performance_insights_retention_period",
    ],
    reason:
      "moto 5.2.5 does not store Performance Insights settings of an instance (it returns them off), so every " +
      "plan would turn them on again; the instances are otherwise compared in full",
    applies: (cfg) => cfg.performance_insights_enabled === true,
  },
  {
    types: ["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"],
    attributes: ["description"],
    reason:
      "moto 5.2.5 DescribeSecurityGroupRules drops the description of rules that reference a security group; " +
      "the descriptions are checked through DescribeSecurityGroups, which returns them",
    applies: (cfg) => cfg.referenced_security_group_id !== undefined,
  },
];

/**
 * Apply every workaround to `doc` (a copy is returned). Stand-ins are written
 * into the document; ignore_changes come back as `overrides` (resource blocks
 * for the override file, merged with each resource's own ignore_changes).
 */
export function applyWorkarounds(
  input: TfJson,
  options: { readonly localInvocation?: LocalInvocationContext } = {},
): {
  doc: TfJson;
  workarounds: Workaround[];
  overrides: Resources;
} {
  const doc = structuredClone(input);
  const resources = (doc.resource ?? {}) as Resources;
  const workarounds: Workaround[] = [];
  const renames = new Map<string, string>(); // "type.name" -> "terraform_data.x"

  for (const rule of STAND_IN_RULES) {
    const found = resources[rule.type];
    if (!found) continue;
    const data = (resources.terraform_data ??= {});
    for (const [name, cfg] of Object.entries(found)) {
      const standIn = `emulator_${rule.type.replace(/^aws_/, "")}_${name}`;
      const triggers = rule.triggers?.(cfg);
      // the invoked function's configuration, for the local run of its package
      const fnKey = /aws_lambda_function\.([^.]+)\./.exec(String(cfg.function_name ?? ""))?.[1];
      const fn = fnKey ? resources.aws_lambda_function?.[fnKey] : undefined;
      const local = rule.type === "aws_lambda_invocation" && options.localInvocation && fn;
      data[standIn] = {
        input: rule.input(cfg),
        ...(triggers !== undefined ? { triggers_replace: triggers } : {}),
        ...(cfg.depends_on ? { depends_on: cfg.depends_on } : {}),
        ...(local
          ? { provisioner: [localInvocationProvisioner(fn, cfg.input, options.localInvocation!)] }
          : {}),
      };
      renames.set(`${rule.type}.${name}`, `terraform_data.${standIn}`);
      workarounds.push({
        resource: `${rule.type}.${name}`,
        kind: "stand-in",
        detail: `terraform_data.${standIn}`,
        reason: rule.reason,
      });
      if (local)
        workarounds.push({
          resource: `${rule.type}.${name}`,
          kind: "local-run",
          detail:
            `local-exec runs the package of aws_lambda_function.${fnKey} with its environment; ${LOCAL_RUN_CHANGES}` +
            (usesDataApi(fn) ? `; ${LOCAL_RUN_DATA_API_CHANGES}` : ""),
          reason:
            "moto runs Lambda code only in Docker and cannot reach a database: the real handler runs in a local Node " +
            "process against the emulator's Secrets Manager and a local PGlite with pgvector",
        });
    }
    delete resources[rule.type];
  }

  for (const rule of DROP_RULES) {
    for (const [name, cfg] of Object.entries(resources[rule.type] ?? {})) {
      const dropped = rule.drop(cfg);
      if (dropped.length)
        workarounds.push({
          resource: `${rule.type}.${name}`,
          kind: "drop-argument",
          detail: dropped.join(", "),
          reason: rule.reason,
        });
    }
  }

  const overrides: Resources = {};
  for (const rule of IGNORE_RULES) {
    for (const type of rule.types)
      for (const [name, cfg] of Object.entries(resources[type] ?? {})) {
        if (!rule.applies(cfg)) continue;
        // the resource's own ignore_changes, and what an earlier rule already added to the override
        const earlier = (overrides[type]?.[name]?.lifecycle as { ignore_changes?: string[] } | undefined)
          ?.ignore_changes;
        const own = (
          earlier ??
          (cfg.lifecycle as { ignore_changes?: string[] } | undefined)?.ignore_changes ??
          []
        ).filter((a) => typeof a === "string");
        const ignore = Array.from(new Set([...own, ...rule.attributes]));
        (overrides[type] ??= {})[name] = { lifecycle: { ignore_changes: ignore } };
        workarounds.push({
          resource: `${type}.${name}`,
          kind: "ignore-changes",
          detail: rule.attributes.join(", "),
          reason: rule.reason,
        });
      }
  }

  if (renames.size === 0) return { doc, workarounds, overrides };
  // rewrite references to swapped resources: `type.name.attr` -> `terraform_data.x.output.attr`, bare -> stand-in
  const rewrite = (value: unknown): unknown => {
    if (typeof value === "string") {
      const bare = renames.get(value);
      if (bare) return bare;
      let out = value;
      for (const [from, to] of renames) {
        out = out.split(`${from}.`).join(`${to}.output.`);
      }
      return out;
    }
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    }
    return value;
  };
  return { doc: rewrite(doc) as TfJson, workarounds, overrides };
}
