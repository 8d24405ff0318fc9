/**
 * Monthly cost estimate of one environment: what its synthesized stack
 * deploys (counted from the Terraform JSON by inventory.ts: Aurora instances
 * and capacity, interface endpoints x their subnets, NAT gateways, the backend
 * function's memory, secrets, keys, log groups, alarms, dashboards) times
 * usage assumptions times the region's unit prices (prices.ts), plus the idle
 * cost: the same stack with no traffic and the database paused.
 *
 * Every line is rounded to whole cents before it is added up, so a printed
 * table always adds up to its printed total.
 */
import type { EnvConfig } from "../../stacks/config/schema";
import { type StackInventory, type StackJson, inventoryOf, synthesizeEnvironment } from "./inventory";
import { PRICE_KEYS, type PriceKey, priceTableFor } from "./prices";

/** Hours in an average month (8760 / 12), the unit AWS's own calculator uses. */
export const HOURS_PER_MONTH = 730;
/** Weeks in an average month. */
export const WEEKS_PER_MONTH = HOURS_PER_MONTH / (24 * 7);
/** Auto-pause delay Aurora applies when an environment sets minCapacity 0 without secondsUntilAutoPause. */
export const DEFAULT_SECONDS_UNTIL_AUTO_PAUSE = 300;

/** Usage the estimate cannot read from the environment file. */
export interface CostAssumptions {
  /** API requests (= Lambda invocations) per month. */
  readonly requestsPerMonth: number;
  /** Average Lambda duration per request, in seconds. */
  readonly avgDurationSeconds: number;
  /**
   * Average capacity of each Aurora instance while it runs, in ACUs.
   * `undefined`: the environment's minCapacity (0.5 when minCapacity is 0,
   * the smallest running capacity).
   */
  readonly avgAcu: number | undefined;
  /** Hours per day the database is in use, for clusters that auto-pause (minCapacity 0). */
  readonly activeHoursPerDay: number;
  /** Days per week the database is in use, for clusters that auto-pause. */
  readonly activeDaysPerWeek: number;
  /** Aurora storage, GB. */
  readonly storageGb: number;
  /** Aurora I/O requests per month, millions. */
  readonly ioMillionsPerMonth: number;
  /** Application logs (Lambda, API access logs, PostgreSQL) ingested per month, GB. */
  readonly logGbPerMonth: number;
  /** VPC flow logs ingested per month, GB (only when network.flowLogs is on). */
  readonly flowLogGbPerMonth: number;
  /** Data through the interface endpoints per month, GB. */
  readonly endpointGbPerMonth: number;
  /** Secrets Manager API calls per month. */
  readonly secretCallsPerMonth: number;
  /** KMS requests per month on the customer managed keys. */
  readonly kmsRequestsPerMonth: number;
}

/** The default assumptions (the deployment guide's 100k requests of 2 s each). */
export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  requestsPerMonth: 100_000,
  avgDurationSeconds: 2,
  avgAcu: undefined,
  activeHoursPerDay: 8,
  activeDaysPerWeek: 5,
  storageGb: 10,
  ioMillionsPerMonth: 1,
  logGbPerMonth: 1,
  flowLogGbPerMonth: 1,
  endpointGbPerMonth: 1,
  secretCallsPerMonth: 10_000,
  kmsRequestsPerMonth: 10_000,
};

/** One line of the estimate. */
export interface CostLine {
  /** What is billed, e.g. `Aurora Serverless v2 capacity`. */
  readonly item: string;
  /** How the quantity was reached, e.g. `1 instance x 0.5 ACU x 730 h = 365 ACU-hours`. */
  readonly quantity: string;
  /** The unit price as printed, e.g. `$0.20/ACU-hour`. */
  readonly unitPrice: string;
  /** Monthly amount in whole US cents. */
  readonly cents: number;
}

/** The estimate of one environment. */
export interface CostEstimate {
  readonly environment: string;
  readonly project: string;
  readonly region: string;
  readonly lines: readonly CostLine[];
  /** Sum of the lines, in cents. */
  readonly totalCents: number;
  /**
   * The month with no traffic and the database paused (no requests, no I/O,
   * no logs; capacity only where the cluster cannot pause): what the stack
   * costs just by existing, in cents.
   */
  readonly idleCents: number;
  /** The assumptions used. */
  readonly assumptions: CostAssumptions;
  /** Hours per month each Aurora instance runs. */
  readonly auroraRunningHours: number;
  /** Capacity each Aurora instance averages while it runs. */
  readonly auroraAcu: number;
  /** Interface endpoints x availability zones. */
  readonly endpointAzs: number;
  /** Prices used, after overrides. */
  readonly prices: Readonly<Record<PriceKey, number>>;
  /** Price keys given on the command line instead of the price table. */
  readonly overriddenPrices: readonly PriceKey[];
  /** Things the estimate leaves out or simplifies. */
  readonly notes: readonly string[];
}

/** Options of {@link estimateMonthlyCost}. */
export interface EstimateOptions {
  /**
   * Folder relative code paths of the environment resolve against.
   * @default the working directory
   */
  readonly baseDir?: string;
  /** Assumptions that differ from {@link DEFAULT_ASSUMPTIONS}. */
  readonly assumptions?: Partial<CostAssumptions>;
  /** Prices that replace the region's price table. */
  readonly prices?: Partial<Record<PriceKey, number>>;
}

/** Estimate the monthly cost of one validated environment from its synthesized stack. */
export function estimateMonthlyCost(env: EnvConfig, options: EstimateOptions = {}): CostEstimate {
  return estimateStack(synthesizeEnvironment(env, options.baseDir), env, options);
}

/** Estimate the monthly cost of a synthesized stack (`cdk.tf.json`) of environment `env.name`. */
export function estimateStack(
  stack: StackJson,
  env: Pick<EnvConfig, "name" | "project">,
  options: EstimateOptions = {},
): CostEstimate {
  const inventory = inventoryOf(stack);
  const a = resolveAssumptions(options.assumptions);
  const month = priceInventory(inventory, a, options);
  const idle = priceInventory(inventory, idleAssumptions(a), options);
  return {
    environment: env.name,
    project: env.project,
    ...month,
    idleCents: idle.totalCents,
  };
}

/** No traffic and the database paused: what is left is the price of existing. */
export function idleAssumptions(a: CostAssumptions): CostAssumptions {
  return {
    ...a,
    requestsPerMonth: 0,
    activeHoursPerDay: 0,
    ioMillionsPerMonth: 0,
    logGbPerMonth: 0,
    flowLogGbPerMonth: 0,
    endpointGbPerMonth: 0,
    secretCallsPerMonth: 0,
    kmsRequestsPerMonth: 0,
  };
}

function priceInventory(
  inv: StackInventory,
  a: CostAssumptions,
  options: EstimateOptions,
): Omit<CostEstimate, "environment" | "project" | "idleCents"> {
  const table = priceTableFor(inv.region);
  const prices = Object.fromEntries(PRICE_KEYS.map((k) => [k, table.prices[k].usd])) as Record<
    PriceKey,
    number
  >;
  const overridden: PriceKey[] = [];
  for (const [k, v] of Object.entries(options.prices ?? {}) as [PriceKey, number | undefined][]) {
    if (v === undefined) continue;
    if (!PRICE_KEYS.includes(k))
      throw new Error(`price ${k} is not a price key (known: ${PRICE_KEYS.join(", ")})`);
    if (!Number.isFinite(v) || v < 0)
      throw new Error(`price ${k}=${v} must be a number of dollars, 0 or more`);
    prices[k] = v;
    overridden.push(k);
  }
  const unit = (k: PriceKey) => `${usd(prices[k])}/${table.prices[k].unit}`;
  const lines: CostLine[] = [];
  const add = (item: string, quantity: string, unitPrice: string, dollars: number) =>
    lines.push({ item, quantity, unitPrice, cents: Math.round(dollars * 100) });
  const notes: string[] = [];

  // ---- Aurora ----
  let runningHours = 0;
  let acu = 0;
  const db = inv.aurora;
  if (db) {
    const pauses = db.minCapacity === 0;
    acu = a.avgAcu ?? Math.max(db.minCapacity, 0.5);
    const pauseDelayHours = (db.secondsUntilAutoPause ?? DEFAULT_SECONDS_UNTIL_AUTO_PAUSE) / 3600;
    const activeDays = a.activeDaysPerWeek * WEEKS_PER_MONTH;
    runningHours = pauses
      ? Math.min(
          HOURS_PER_MONTH,
          activeDays * (a.activeHoursPerDay + (a.activeHoursPerDay > 0 ? pauseDelayHours : 0)),
        )
      : HOURS_PER_MONTH;
    const acuHours = db.instances * acu * runningHours;
    add(
      "Aurora Serverless v2 capacity",
      `${db.instances} instance${db.instances === 1 ? "" : "s"} x ${num(acu)} ACU x ${num(runningHours, 1)} h` +
        `${pauses ? " (auto-pause)" : ""} = ${num(acuHours, 1)} ACU-hours`,
      unit("aurora.acuHour"),
      acuHours * prices["aurora.acuHour"],
    );
    add(
      "Aurora storage",
      `${num(a.storageGb)} GB`,
      unit("aurora.storageGbMonth"),
      a.storageGb * prices["aurora.storageGbMonth"],
    );
    add(
      "Aurora I/O",
      `${num(a.ioMillionsPerMonth)} million requests`,
      unit("aurora.ioMillion"),
      a.ioMillionsPerMonth * prices["aurora.ioMillion"],
    );
    if (db.performanceInsightsInstances > 0) {
      add("Performance Insights", "7-day retention", "free", 0);
    }
    notes.push(
      "Aurora backups: the retention period is assumed within the free backup storage (up to the cluster's size).",
    );
  }

  // ---- interface endpoints: billed per endpoint per AZ ----
  const services = inv.interfaceEndpoints.length;
  const endpointAzs = inv.interfaceEndpoints.reduce((sum, e) => sum + e.azs, 0);
  if (services > 0) {
    const azCounts = new Set(inv.interfaceEndpoints.map((e) => e.azs));
    const perService = azCounts.size === 1 ? [...azCounts][0] : undefined;
    add(
      "Interface endpoints",
      `${perService !== undefined ? `${services} services x ${perService} AZ${perService === 1 ? "" : "s"} = ` : ""}` +
        `${endpointAzs} endpoint-AZs x ${HOURS_PER_MONTH} h`,
      unit("endpoint.azHour"),
      endpointAzs * HOURS_PER_MONTH * prices["endpoint.azHour"],
    );
    add(
      "Interface endpoint data",
      `${num(a.endpointGbPerMonth)} GB`,
      unit("endpoint.gb"),
      a.endpointGbPerMonth * prices["endpoint.gb"],
    );
  } else {
    add("Interface endpoints", "none", "-", 0);
  }
  if (inv.natGateways > 0) {
    add(
      "NAT gateway",
      `${inv.natGateways} x ${HOURS_PER_MONTH} h (data processed not included)`,
      unit("nat.gatewayHour"),
      inv.natGateways * HOURS_PER_MONTH * prices["nat.gatewayHour"],
    );
  } else {
    add("NAT gateway", services > 0 ? "none (endpoints instead)" : "none", "-", 0);
  }

  // ---- Lambda + HTTP API ----
  const memoryGb = (inv.backendFunction?.memoryMb ?? 0) / 1024;
  const gbSeconds = a.requestsPerMonth * a.avgDurationSeconds * memoryGb;
  add(
    "Lambda compute",
    `${int(a.requestsPerMonth)} x ${num(a.avgDurationSeconds)} s x ${num(memoryGb, 3)} GB = ${int(gbSeconds)} GB-s`,
    unit("lambda.gbSecond"),
    gbSeconds * prices["lambda.gbSecond"],
  );
  add(
    "Lambda requests",
    `${int(a.requestsPerMonth)} requests`,
    unit("lambda.millionRequests"),
    (a.requestsPerMonth / 1e6) * prices["lambda.millionRequests"],
  );
  const pc = inv.backendFunction?.provisionedConcurrency;
  if (pc !== undefined) {
    const pcGbSeconds = pc * memoryGb * HOURS_PER_MONTH * 3600;
    add(
      "Lambda provisioned concurrency",
      `${pc} x ${num(memoryGb, 3)} GB x ${HOURS_PER_MONTH} h = ${int(pcGbSeconds)} GB-s`,
      unit("lambda.provisionedGbSecond"),
      pcGbSeconds * prices["lambda.provisionedGbSecond"],
    );
  }
  add(
    "HTTP API requests",
    `${int(a.requestsPerMonth)} requests`,
    unit("httpApi.millionRequests"),
    (a.requestsPerMonth / 1e6) * prices["httpApi.millionRequests"],
  );

  // ---- CloudWatch Logs ----
  const appGroups = inv.logGroups.filter((g) => !g.flowLogs);
  const retention = Math.max(0, ...appGroups.map((g) => g.retentionDays));
  const storedGb = a.logGbPerMonth * (retention / (HOURS_PER_MONTH / 24));
  add(
    "CloudWatch Logs ingestion",
    `${num(a.logGbPerMonth)} GB (${appGroups.length} log groups: Lambda, API, PostgreSQL)`,
    unit("logs.ingestGb"),
    a.logGbPerMonth * prices["logs.ingestGb"],
  );
  add(
    "CloudWatch Logs storage",
    `${num(storedGb, 1)} GB (${num(a.logGbPerMonth)} GB/month kept ${retention} days)`,
    unit("logs.storageGbMonth"),
    storedGb * prices["logs.storageGbMonth"],
  );
  const flowGroup = inv.logGroups.find((g) => g.flowLogs);
  if (flowGroup) {
    const flowRetention = flowGroup.retentionDays;
    const flowStoredGb = a.flowLogGbPerMonth * (flowRetention / (HOURS_PER_MONTH / 24));
    add(
      "VPC flow logs",
      `${num(a.flowLogGbPerMonth)} GB ingested, ${num(flowStoredGb, 1)} GB kept ${flowRetention} days`,
      `${unit("logs.ingestGb")} + ${unit("logs.storageGbMonth")}`,
      a.flowLogGbPerMonth * prices["logs.ingestGb"] + flowStoredGb * prices["logs.storageGbMonth"],
    );
  }

  // ---- alarms and dashboards ----
  add(
    "CloudWatch alarms",
    `${inv.alarms} alarms`,
    unit("cloudwatch.alarmMonth"),
    inv.alarms * prices["cloudwatch.alarmMonth"],
  );
  if (inv.dashboards > 0) {
    add(
      "CloudWatch dashboard",
      `${inv.dashboards} dashboard${inv.dashboards === 1 ? "" : "s"}`,
      unit("cloudwatch.dashboardMonth"),
      inv.dashboards * prices["cloudwatch.dashboardMonth"],
    );
    notes.push(
      "The dashboard is free when the account has 3 or fewer dashboards; the estimate charges for it.",
    );
  }

  // ---- Secrets Manager and KMS ----
  const secretCount = inv.secrets.length + (db?.managedMasterSecret ? 1 : 0);
  const secretKinds = [
    ...inv.secrets.map((n) => n.replace(/^.*\//, "")),
    ...(db?.managedMasterSecret ? ["RDS-managed master"] : []),
  ];
  add(
    "Secrets Manager secrets",
    `${secretCount} secrets (${secretKinds.join(", ")})`,
    unit("secrets.secretMonth"),
    secretCount * prices["secrets.secretMonth"],
  );
  add(
    "Secrets Manager API calls",
    `${int(a.secretCallsPerMonth)} calls`,
    unit("secrets.tenThousandCalls"),
    (a.secretCallsPerMonth / 10_000) * prices["secrets.tenThousandCalls"],
  );
  const keyLabel = (id: string) =>
    id.startsWith("observability") ? "alarm topic" : id.startsWith("secrets") ? "secrets" : id;
  const keys = inv.kmsKeys.length;
  add(
    "KMS customer managed keys",
    `${keys} key${keys === 1 ? "" : "s"}${keys > 0 ? ` (${inv.kmsKeys.map(keyLabel).join(", ")})` : ""}`,
    unit("kms.keyMonth"),
    keys * prices["kms.keyMonth"],
  );
  if (inv.kmsKeys.some((k) => keyLabel(k) === "secrets")) {
    add(
      "KMS requests",
      `${int(a.kmsRequestsPerMonth)} requests`,
      unit("kms.tenThousandRequests"),
      (a.kmsRequestsPerMonth / 10_000) * prices["kms.tenThousandRequests"],
    );
  }

  notes.push(
    "Not included: data transfer out to the internet, Bedrock model usage, the database bootstrap function's rare runs, free tiers.",
  );

  return {
    region: inv.region,
    lines,
    totalCents: lines.reduce((sum, l) => sum + l.cents, 0),
    assumptions: a,
    auroraRunningHours: runningHours,
    auroraAcu: acu,
    endpointAzs,
    prices,
    overriddenPrices: overridden,
    notes,
  };
}

/**
 * The same environment with Aurora scaled to zero: minCapacity 0, auto-pause
 * after `secondsUntilAutoPause` (300 s when the environment sets none).
 */
export function withScaleToZero(env: EnvConfig): EnvConfig {
  return {
    ...env,
    database: {
      ...env.database,
      minCapacity: 0,
      secondsUntilAutoPause: env.database.secondsUntilAutoPause ?? DEFAULT_SECONDS_UNTIL_AUTO_PAUSE,
    },
  };
}

/** Apply the defaults and check every assumption; throws naming the assumption. */
export function resolveAssumptions(given: Partial<CostAssumptions> = {}): CostAssumptions {
  const a: CostAssumptions = { ...DEFAULT_ASSUMPTIONS };
  for (const [k, v] of Object.entries(given) as [keyof CostAssumptions, number | undefined][]) {
    if (!(k in DEFAULT_ASSUMPTIONS)) throw new Error(`assumption ${k} is not known`);
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new Error(`assumption ${k}=${v} must be a number, 0 or more`);
    }
    (a as Record<keyof CostAssumptions, number | undefined>)[k] = v;
  }
  if (a.activeHoursPerDay > 24)
    throw new Error(`assumption activeHoursPerDay=${a.activeHoursPerDay} must be at most 24`);
  if (a.activeDaysPerWeek > 7)
    throw new Error(`assumption activeDaysPerWeek=${a.activeDaysPerWeek} must be at most 7`);
  if (a.avgAcu !== undefined && (a.avgAcu < 0.5 || a.avgAcu > 256)) {
    throw new Error(
      `assumption avgAcu=${a.avgAcu} must be from 0.5 to 256 ACUs (the capacity of a running instance)`,
    );
  }
  return a;
}

/** `$1,234.56`; small unit prices keep their significant digits (`$0.0000166667`). */
export function usd(dollars: number): string {
  if (dollars !== 0 && Math.abs(dollars) < 0.01) return `$${Number(dollars.toPrecision(6))}`;
  return `$${dollars.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 3 })}`;
}

/** Cents as `$1,234.56`. */
export function dollars(cents: number): string {
  return `$${(cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function num(n: number, digits = 2): string {
  return Number(n.toFixed(digits)).toLocaleString("en-US", { maximumFractionDigits: digits });
}

function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
