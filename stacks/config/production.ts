/**
 * What makes an environment production, and the minimums every production
 * environment meets. A production file cannot lower them, waive them with a
 * policy exception or a checkov skip, or opt out of being production: an
 * environment whose name says production is production whatever its
 * `production` field says.
 */
import { endpointPlacementProblem } from "../../modules/endpoints/endpoints";
import type { Problem } from "./rules";
import type { EnvConfig } from "./schema";

/** Names that are production: `prod`, `prod-<x>`, `production`, `production-<x>`. */
export const PRODUCTION_NAME_RE = /^prod(uction)?(-[a-z0-9-]+)?$/;

/** True when an environment of this name is production. */
export function isProductionName(name: string): boolean {
  return PRODUCTION_NAME_RE.test(name);
}

/** True when the environment is production: by its name or by its own `production` flag. */
export function isProduction(env: Pick<EnvConfig, "name" | "production">): boolean {
  return env.production || isProductionName(env.name);
}

/**
 * Policy rules a production environment may never accept an exception for:
 * the critical rules of the plan review (tools/policy keeps a test that this
 * list is exactly its critical rules).
 */
export const PRODUCTION_UNWAIVABLE_RULES: readonly string[] = ["HRC-NET-001", "HRC-IAM-001", "HRC-S3-003"];

/** checkov checks a production environment may not skip: the minimums below, as checkov sees them. */
export const PRODUCTION_REQUIRED_CHECKS: Readonly<Record<string, string>> = {
  CKV_AWS_17: "database instances are not publicly accessible",
  CKV_AWS_96: "Aurora storage is encrypted",
  CKV_AWS_139: "the cluster has deletion protection",
  CKV_AWS_149: "secrets use a customer managed KMS key",
  CKV_AWS_327: "Aurora storage uses a customer managed KMS key",
  CKV_AWS_353: "Performance Insights is on",
  CKV2_AWS_11: "the VPC has flow logs",
  CKV_AWS_115: "every function has reserved concurrency",
  CKV_AWS_173: "function environments are encrypted with a customer managed KMS key",
};

/** The longest a production database password may live between rotations, in days. */
export const PRODUCTION_MAX_ROTATION_DAYS = 90;

/** The lowest `policy.failOn` a production environment may set: high findings always fail. */
export const PRODUCTION_FAIL_ON = ["high", "medium", "low"] as const;

interface Minimum {
  readonly path: string;
  readonly holds: (env: EnvConfig) => boolean;
  readonly value: (env: EnvConfig) => unknown;
  readonly rule: string;
}

const IN_PROD = "in a production environment";

/** Every production minimum, in report order. */
export const PRODUCTION_MINIMUMS: readonly Minimum[] = [
  {
    path: "database.publiclyAccessible",
    holds: (e) => !e.database.publiclyAccessible,
    value: (e) => e.database.publiclyAccessible,
    rule: `must be false ${IN_PROD}`,
  },
  {
    path: "database.subnetTier",
    holds: (e) => e.database.subnetTier === "isolated",
    value: (e) => e.database.subnetTier,
    rule: `must be "isolated" ${IN_PROD} (no route to the internet)`,
  },
  {
    path: "security.developerCidrs",
    holds: (e) => e.security.developerCidrs.length === 0,
    value: (e) => e.security.developerCidrs,
    rule: `must be empty ${IN_PROD}`,
  },
  {
    path: "database.deletionProtection",
    holds: (e) => e.database.deletionProtection,
    value: (e) => e.database.deletionProtection,
    rule: `must be true ${IN_PROD}`,
  },
  {
    path: "database.skipFinalSnapshot",
    holds: (e) => !e.database.skipFinalSnapshot,
    value: (e) => e.database.skipFinalSnapshot,
    rule: `must be false ${IN_PROD}`,
  },
  {
    path: "database.backupRetentionDays",
    holds: (e) => e.database.backupRetentionDays >= 7,
    value: (e) => e.database.backupRetentionDays,
    rule: `must be at least 7 days ${IN_PROD}`,
  },
  {
    path: "database.instanceCount",
    holds: (e) => e.database.instanceCount >= 2,
    value: (e) => e.database.instanceCount,
    rule: `must be at least 2 ${IN_PROD} (a reader in another availability zone to fail over to)`,
  },
  {
    path: "database.performanceInsights",
    holds: (e) => e.database.performanceInsights,
    value: (e) => e.database.performanceInsights,
    rule: `must be true ${IN_PROD}`,
  },
  {
    path: "secrets.customerManagedKey",
    holds: (e) => e.secrets.customerManagedKey,
    value: (e) => e.secrets.customerManagedKey,
    rule: `must be true ${IN_PROD} (secrets and storage encrypted with the stack's own KMS key)`,
  },
  {
    path: "secrets.recoveryWindowDays",
    holds: (e) => e.secrets.recoveryWindowDays >= 7,
    value: (e) => e.secrets.recoveryWindowDays,
    rule: `must be 7-30 days ${IN_PROD} (0 deletes secrets at once)`,
  },
  {
    path: "compute.reservedConcurrency",
    holds: (e) => e.compute.reservedConcurrency !== undefined && e.compute.reservedConcurrency > 0,
    value: (e) => e.compute.reservedConcurrency,
    rule: `must be set to at least 1 ${IN_PROD} (the backend's share of the account's concurrency is guaranteed, and a runaway caller cannot take the rest)`,
  },
  {
    path: "compute.supportFunctionReservedConcurrency",
    holds: (e) => e.compute.supportFunctionReservedConcurrency !== undefined,
    value: (e) => e.compute.supportFunctionReservedConcurrency,
    rule: `must be set ${IN_PROD} (every function has reserved concurrency)`,
  },
  {
    path: "secretRotation.enabled",
    holds: (e) => e.secretRotation.enabled,
    value: (e) => e.secretRotation.enabled,
    rule: `must be true ${IN_PROD} (the database password is rotated on a schedule)`,
  },
  {
    path: "secretRotation.automaticallyAfterDays",
    holds: (e) => e.secretRotation.automaticallyAfterDays <= PRODUCTION_MAX_ROTATION_DAYS,
    value: (e) => e.secretRotation.automaticallyAfterDays,
    rule: `must be at most ${PRODUCTION_MAX_ROTATION_DAYS} days ${IN_PROD}`,
  },
  {
    path: "network.flowLogs",
    holds: (e) => e.network.flowLogs,
    value: (e) => e.network.flowLogs,
    rule: `must be true ${IN_PROD}`,
  },
  {
    path: "network.mapPublicIpOnLaunch",
    holds: (e) => !(e.network.publicSubnets.length > 0 && e.network.mapPublicIpOnLaunch),
    value: (e) => e.network.mapPublicIpOnLaunch,
    rule: `must be false ${IN_PROD}`,
  },
  {
    path: "compute.subnetTier",
    holds: (e) =>
      new Set(
        (e.compute.subnetTier === "public" ? e.network.publicSubnets : e.network.isolatedSubnets).map(
          (s) => s.az,
        ),
      ).size >= 2,
    value: (e) => e.compute.subnetTier,
    rule: `must span at least two availability zones ${IN_PROD}`,
  },
  {
    path: "observability.alarmEmail",
    holds: (e) => Boolean(e.observability.alarmEmail),
    value: () => undefined,
    rule: `must be set ${IN_PROD} (alarms need someone to tell)`,
  },
  {
    path: "backend.type",
    holds: (e) => e.backend.type !== "local",
    value: (e) => e.backend.type,
    rule: `must be "s3" or "cloud" ${IN_PROD}: local state is unencrypted, unlocked and on one machine`,
  },
  {
    path: "api.corsAllowOrigins",
    holds: (e) => e.api.corsAllowOrigins.every((o) => o !== "*" && !o.startsWith("http://")),
    value: (e) => e.api.corsAllowOrigins,
    rule: `must list https origins, not "*" or http:// ${IN_PROD}`,
  },
  {
    path: "endpoints.placement",
    holds: (e) => !endpointPlacementProblem(e.endpoints.placement, true),
    value: (e) => e.endpoints.placement,
    rule: endpointPlacementProblem("single-az", true)!,
  },
  {
    path: "policy.failOn",
    holds: (e) =>
      e.policy.failOn === undefined || (PRODUCTION_FAIL_ON as readonly string[]).includes(e.policy.failOn),
    value: (e) => e.policy.failOn,
    rule: `must be "high", "medium" or "low" ${IN_PROD} (high findings always fail a production review)`,
  },
];

/** Every production minimum the environment breaks (none when it is not production). */
export function productionProblems(env: EnvConfig): Problem[] {
  const out: Problem[] = [];
  if (isProductionName(env.name) && !env.production) {
    out.push({
      path: "production",
      value: false,
      rule: `must be true: environment "${env.name}" is production by its name (prod, prod-*, production, production-*)`,
    });
  }
  if (!isProduction(env)) return out;
  for (const m of PRODUCTION_MINIMUMS) {
    if (!m.holds(env)) out.push({ path: m.path, value: m.value(env), rule: m.rule });
  }
  env.policy.exceptions.forEach((x, i) => {
    if (PRODUCTION_UNWAIVABLE_RULES.includes(x.rule)) {
      out.push({
        path: `policy.exceptions[${i}].rule`,
        value: x.rule,
        rule: `is a critical rule; a production environment cannot accept an exception for it`,
      });
    }
  });
  env.policy.checkovSkips.forEach((x, i) => {
    const why = PRODUCTION_REQUIRED_CHECKS[x.id];
    if (why) {
      out.push({
        path: `policy.checkovSkips[${i}].id`,
        value: x.id,
        rule: `checks a production minimum (${why}); a production environment cannot skip it`,
      });
    }
  });
  return out;
}
