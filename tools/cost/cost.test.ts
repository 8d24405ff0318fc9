import { loadEnvironments } from "../../stacks/config/load";
import type { EnvConfig } from "../../stacks/config/schema";
import { costReport, parseCostArgs } from "./cli";
import { inventoryOf, synthesizeEnvironment } from "./inventory";
import {
  DEFAULT_ASSUMPTIONS,
  estimateStack,
  idleAssumptions,
  HOURS_PER_MONTH,
  type CostEstimate,
  estimateMonthlyCost,
  resolveAssumptions,
  withScaleToZero,
} from "./estimate";
import { formatEstimate } from "./format";
import { AP_NORTHEAST_1, GUIDE_PRICES, PRICE_KEYS, priceTableFor } from "./prices";

const loaded = loadEnvironments();
const envs = new Map(loaded.environments.map((e) => [e.config.name, e.config]));
const dev = envs.get("dev")!;
const prod = envs.get("prod")!;
const lowcost = envs.get("dev-lowcost")!;

const line = (estimate: CostEstimate, item: string) => estimate.lines.find((l) => l.item === item);
const cents = (estimate: CostEstimate, item: string) => line(estimate, item)?.cents;

/** Dollar amounts of a printed table: every `$x.yy` at the end of a line. */
function printedAmounts(table: string): number[] {
  return table
    .split("\n")
    .map((l) => /\$([\d,]+\.\d\d)$/.exec(l)?.[1])
    .filter((v): v is string => v !== undefined)
    .map((v) => Math.round(Number(v.replace(/,/g, "")) * 100));
}

describe("the shipped environments load", () => {
  it("has dev, prod and dev-lowcost", () => {
    expect(loaded.errors).toEqual([]);
    expect(dev).toBeDefined();
    expect(prod).toBeDefined();
    expect(lowcost).toBeDefined();
  });
});

describe("the deployment guide's figures, from the same assumptions", () => {
  const guide = estimateMonthlyCost(dev, { prices: GUIDE_PRICES });

  it("reproduces Aurora 0.5 ACU x 730 h x $0.12 = $43.80 (~$44)", () => {
    expect(cents(guide, "Aurora Serverless v2 capacity")).toBe(4380);
    expect(Math.round(4380 / 100)).toBe(44);
    expect(line(guide, "Aurora Serverless v2 capacity")?.quantity).toBe(
      "1 instance x 0.5 ACU x 730 h = 365 ACU-hours",
    );
    expect(guide.overriddenPrices).toEqual(["aurora.acuHour", "endpoint.azHour"]);
  });

  it("bills interface endpoints per AZ: 2 services x 2 AZs = 4 endpoint-AZs, $29.20 at $0.01/h (the guide's ~$15 counted 2)", () => {
    expect(guide.endpointAzs).toBe(4);
    expect(cents(guide, "Interface endpoints")).toBe(2920); // 4 x 0.01 x 730
    expect(cents(guide, "Interface endpoints")).not.toBe(Math.round(2 * 0.01 * HOURS_PER_MONTH * 100));
  });

  it("prices the guide's Lambda usage (100k requests x 2 s x 1024 MB) at $3.33 + $0.02", () => {
    expect(cents(guide, "Lambda compute")).toBe(333); // 200,000 GB-s x $0.0000166667
    expect(cents(guide, "Lambda requests")).toBe(2);
  });
});

describe("endpoint-AZs follow the endpoint subnet tier", () => {
  it("counts 3 AZs in prod's isolated tier: 2 x 3 = 6", () => {
    expect(estimateMonthlyCost(prod).endpointAzs).toBe(6);
    expect(cents(estimateMonthlyCost(prod), "Interface endpoints")).toBe(Math.round(6 * 0.014 * 730 * 100));
  });

  it("counts every service", () => {
    const three: EnvConfig = {
      ...dev,
      endpoints: { ...dev.endpoints, services: ["secretsmanager", "bedrock-runtime", "logs"] },
    };
    expect(estimateMonthlyCost(three).endpointAzs).toBe(6);
  });
});

describe("totals", () => {
  it.each([["dev"], ["prod"], ["dev-lowcost"]])(
    "%s: the lines add up to the total, as computed and as printed",
    (name) => {
      const estimate = estimateMonthlyCost(envs.get(name)!);
      expect(estimate.totalCents).toBe(estimate.lines.reduce((s, l) => s + l.cents, 0));
      const amounts = printedAmounts(formatEstimate(estimate));
      expect(amounts.pop()).toBe(estimate.idleCents); // the idle line comes last
      const total = amounts.pop()!;
      expect(amounts).toHaveLength(estimate.lines.length);
      expect(amounts.reduce((s, a) => s + a, 0)).toBe(total);
      expect(total).toBe(estimate.totalCents);
    },
  );

  it("uses the Tokyo price table by default", () => {
    const estimate = estimateMonthlyCost(dev);
    expect(cents(estimate, "Aurora Serverless v2 capacity")).toBe(
      Math.round(365 * AP_NORTHEAST_1.prices["aurora.acuHour"].usd * 100),
    );
    expect(estimate.overriddenPrices).toEqual([]);
  });

  it("prices both prod instances", () => {
    expect(
      cents(
        estimateMonthlyCost(prod, { prices: { "aurora.acuHour": 0.12 } }),
        "Aurora Serverless v2 capacity",
      ),
    ).toBe(8760);
  });
});

describe("what the environment turns on", () => {
  it("adds Performance Insights (free at 7 days), flow logs and KMS requests only where enabled", () => {
    const d = estimateMonthlyCost(dev);
    const p = estimateMonthlyCost(prod);
    expect(line(d, "Performance Insights")).toBeUndefined();
    expect(line(p, "Performance Insights")).toMatchObject({ cents: 0, unitPrice: "free" });
    expect(line(d, "VPC flow logs")).toBeUndefined();
    const flowDays = prod.observability.flowLogRetentionDays;
    expect(cents(p, "VPC flow logs")).toBe(Math.round((0.76 + (flowDays / (730 / 24)) * 0.033) * 100));
    expect(line(d, "KMS customer managed keys")?.quantity).toBe("1 key (alarm topic)");
    expect(cents(p, "KMS customer managed keys")).toBe(200);
    expect(line(d, "KMS requests")).toBeUndefined();
  });

  it("uses the function's memory and provisioned concurrency", () => {
    const big: EnvConfig = { ...dev, compute: { ...dev.compute, memoryMb: 2048, provisionedConcurrency: 2 } };
    const e = estimateMonthlyCost(big);
    expect(cents(e, "Lambda compute")).toBe(667); // 400,000 GB-s
    expect(cents(e, "Lambda provisioned concurrency")).toBe(
      Math.round(2 * 2 * 730 * 3600 * 0.0000041667 * 100),
    );
  });

  it("keeps logs for the longest retention of the environment", () => {
    expect(line(estimateMonthlyCost(prod), "CloudWatch Logs storage")?.quantity).toContain("kept 90 days");
  });

  it("has no NAT gateway", () => {
    expect(cents(estimateMonthlyCost(prod), "NAT gateway")).toBe(0);
  });
});

describe("scale-to-zero", () => {
  const now = estimateMonthlyCost(dev);
  const scaled = estimateMonthlyCost(withScaleToZero(dev));
  const hours = (8 + 300 / 3600) * 5 * (730 / 168);

  it("runs the cluster 8 h on weekdays plus the 300 s pause delay per day", () => {
    expect(scaled.auroraRunningHours).toBeCloseTo(hours, 6);
    expect(scaled.auroraAcu).toBe(0.5);
    expect(cents(scaled, "Aurora Serverless v2 capacity")).toBe(Math.round(0.5 * hours * 0.2 * 100));
  });

  it("changes only the Aurora capacity line", () => {
    const diff = now.totalCents - scaled.totalCents;
    expect(diff).toBe(
      cents(now, "Aurora Serverless v2 capacity")! - cents(scaled, "Aurora Serverless v2 capacity")!,
    );
    expect(diff).toBeGreaterThan(0);
  });

  it("follows the active-hours assumptions", () => {
    const e = estimateMonthlyCost(withScaleToZero(dev), { assumptions: { activeHoursPerDay: 0 } });
    expect(cents(e, "Aurora Serverless v2 capacity")).toBe(0);
    const always = estimateMonthlyCost(withScaleToZero(dev), {
      assumptions: { activeHoursPerDay: 24, activeDaysPerWeek: 7 },
    });
    expect(always.auroraRunningHours).toBe(730);
  });

  it("keeps an environment's own pause delay", () => {
    const env: EnvConfig = { ...dev, database: { ...dev.database, secondsUntilAutoPause: 3600 } };
    expect(withScaleToZero(env).database).toMatchObject({ minCapacity: 0, secondsUntilAutoPause: 3600 });
  });
});

describe("assumptions", () => {
  it("defaults to the guide's 100k requests of 2 s", () => {
    expect(DEFAULT_ASSUMPTIONS).toMatchObject({ requestsPerMonth: 100_000, avgDurationSeconds: 2 });
  });

  it("are overridable", () => {
    const e = estimateMonthlyCost(dev, {
      assumptions: { requestsPerMonth: 1_000_000, avgAcu: 1, storageGb: 100 },
    });
    expect(cents(e, "Lambda compute")).toBe(3333);
    expect(cents(e, "Aurora Serverless v2 capacity")).toBe(14600); // 1 ACU x 730 h x $0.20
    expect(cents(e, "Aurora storage")).toBe(1200);
  });

  it.each([
    [{ requestsPerMonth: -1 }, "assumption requestsPerMonth=-1 must be a number, 0 or more"],
    [{ activeHoursPerDay: 25 }, "assumption activeHoursPerDay=25 must be at most 24"],
    [{ activeDaysPerWeek: 8 }, "assumption activeDaysPerWeek=8 must be at most 7"],
    [{ avgAcu: 0.25 }, "assumption avgAcu=0.25 must be from 0.5 to 256"],
  ])("rejects %j", (given, message) => {
    expect(() => resolveAssumptions(given)).toThrow(message);
  });
});

describe("prices", () => {
  it("dates and sources every price, and says how it was checked", () => {
    for (const key of PRICE_KEYS) {
      const p = AP_NORTHEAST_1.prices[key];
      expect(p.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(["corroborated", "unverified"]).toContain(p.status);
      expect(p.usd).toBeGreaterThanOrEqual(0);
    }
  });

  it("refuses a region without a price table", () => {
    expect(() => priceTableFor("eu-west-1")).toThrow("no price table for region eu-west-1");
    expect(() => estimateMonthlyCost({ ...dev, region: "eu-west-1" })).toThrow("no price table");
  });

  it("refuses a bad override", () => {
    expect(() => estimateMonthlyCost(dev, { prices: { "aurora.acuHour": -1 } })).toThrow(
      "price aurora.acuHour=-1 must be a number of dollars, 0 or more",
    );
  });
});

describe("command line", () => {
  it("parses flags into assumptions and prices", () => {
    const args = parseCostArgs([
      "dev",
      "--requests",
      "500000",
      "--acu",
      "1",
      "--price",
      "aurora.acuHour=0.12",
    ]);
    expect(args.environments).toEqual(["dev"]);
    expect(args.assumptions).toEqual({ requestsPerMonth: 500000, avgAcu: 1 });
    expect(args.prices).toEqual({ "aurora.acuHour": 0.12 });
  });

  it("reads the folder ENVIRONMENTS_DIR names, as synth does; --dir wins", () => {
    const saved = process.env.ENVIRONMENTS_DIR;
    process.env.ENVIRONMENTS_DIR = "/somewhere/envs";
    try {
      expect(parseCostArgs([]).dir).toBe("/somewhere/envs");
      expect(parseCostArgs(["--dir", "/other"]).dir).toBe("/other");
    } finally {
      if (saved === undefined) delete process.env.ENVIRONMENTS_DIR;
      else process.env.ENVIRONMENTS_DIR = saved;
    }
  });

  it.each([
    [["--requests", "lots"], '--requests "lots" must be a number'],
    [["--active-hours", "30"], "activeHoursPerDay=30 must be at most 24"],
    [["--price", "aurora.acu=1"], '--price "aurora.acu=1" must be KEY=USD'],
    [["--price", "aurora.acuHour=-2"], "must give 0 or more dollars"],
  ])("rejects %j", (argv, message) => {
    expect(() => parseCostArgs(argv)).toThrow(message);
  });

  it("prints every environment when none is named, with the scale-to-zero comparison for dev only", () => {
    const report = costReport([]);
    expect(report).toContain("hr-chatbot dev (ap-northeast-1): estimated monthly cost");
    expect(report).toContain("hr-chatbot prod (ap-northeast-1): estimated monthly cost");
    expect(report).toContain("Scale-to-zero for dev");
    expect(report).not.toContain("Scale-to-zero for prod");
    expect(report).toContain("Assumptions");
    expect(report).toContain("Not cross-checked against a second source");
  });

  it("prints one environment, with price overrides named", () => {
    const report = costReport(["prod", "--price", "aurora.acuHour=0.12", "--no-scale-to-zero"]);
    expect(report).not.toContain("hr-chatbot dev");
    expect(report).toContain("Overridden on the command line: aurora.acuHour.");
    expect(report).toContain("$87.60");
  });

  it("names the environments there are when asked for an unknown one", () => {
    expect(() => costReport(["staging"])).toThrow(
      "staging: no such environment (have: dev-lowcost, dev, prod)",
    );
  });

  it("prints help", () => {
    expect(costReport(["--help"])).toContain("Usage: npm run cost");
  });
});

describe("counted from the synthesized stack, not from the environment file", () => {
  const synth = (env: EnvConfig) => synthesizeEnvironment(env);

  it("reads every billable resource of dev, prod and dev-lowcost from their Terraform JSON", () => {
    expect(inventoryOf(synth(dev))).toMatchObject({
      region: "ap-northeast-1",
      aurora: { instances: 1, minCapacity: 0.5, maxCapacity: 2, performanceInsightsInstances: 0 },
      interfaceEndpoints: [
        { service: "com.amazonaws.ap-northeast-1.bedrock-runtime", azs: 2 },
        { service: "com.amazonaws.ap-northeast-1.secretsmanager", azs: 2 },
      ],
      natGateways: 0,
      backendFunction: { memoryMb: 1024 },
      alarms: 7,
      dashboards: 1,
      secrets: ["hr-chatbot/app-secrets", "hr-chatbot/database"],
      kmsKeys: ["observability_topic-key"],
    });
    const p = inventoryOf(synth(prod));
    expect(p.interfaceEndpoints.map((e) => e.azs)).toEqual([3, 3]);
    expect(p.aurora).toMatchObject({ instances: 2, performanceInsightsInstances: 2 });
    expect(p.kmsKeys).toEqual(["observability_topic-key", "secrets-key"]);
    expect(p.logGroups.filter((g) => g.flowLogs).map((g) => g.name)).toEqual([
      "/aws/vpc/flow-logs/hr-chatbot-prod",
    ]);
    expect(inventoryOf(synth(lowcost))).toMatchObject({
      aurora: { instances: 1, minCapacity: 0, maxCapacity: 2, secondsUntilAutoPause: 300 },
      interfaceEndpoints: [],
      natGateways: 0,
      dashboards: 0,
      alarms: 7,
      kmsKeys: ["observability_topic-key"],
    });
  });

  it("counts the endpoint subnets the stack really has: single-az bills one AZ per service", () => {
    const single: EnvConfig = { ...dev, endpoints: { ...dev.endpoints, placement: "single-az" } };
    const e = estimateMonthlyCost(single);
    expect(e.endpointAzs).toBe(2);
    expect(line(e, "Interface endpoints")?.quantity).toBe("2 services x 1 AZ = 2 endpoint-AZs x 730 h");
    expect(cents(e, "Interface endpoints")).toBe(Math.round(2 * 730 * 0.014 * 100));
  });

  it("prices a stack it is given as JSON, including resources no environment field describes", () => {
    const json = synth(dev) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const withNat = {
      ...json,
      resource: { ...json.resource, aws_nat_gateway: { a: {}, b: {} }, aws_cloudwatch_metric_alarm: {} },
    };
    const e = estimateStack(withNat, dev);
    expect(cents(e, "NAT gateway")).toBe(
      Math.round(2 * 730 * AP_NORTHEAST_1.prices["nat.gatewayHour"].usd * 100),
    );
    expect(line(e, "CloudWatch alarms")?.quantity).toBe("0 alarms");
    const managed = {
      ...json,
      resource: {
        ...json.resource,
        aws_rds_cluster: Object.fromEntries(
          Object.entries(json.resource.aws_rds_cluster).map(([k, v]) => [
            k,
            { ...v, manage_master_user_password: true },
          ]),
        ),
      },
    };
    expect(line(estimateStack(managed, dev), "Secrets Manager secrets")?.quantity).toBe(
      "3 secrets (app-secrets, database, RDS-managed master)",
    );
  });
});

describe("idle: no traffic, database paused", () => {
  it("dev-lowcost (data-api, 0 ACU with auto-pause, no endpoints, no dashboard) idles at most $10 a month", () => {
    const e = estimateMonthlyCost(lowcost);
    // storage $1.20 + 7 alarms $0.70 + 3 secrets $1.20 (the two application secrets and the
    // RDS-managed master user secret) + the alarm topic key $1.00
    expect(e.idleCents).toBe(120 + 70 + 120 + 100);
    expect(e.idleCents).toBeLessThanOrEqual(1000);
    expect(line(e, "Interface endpoints")).toMatchObject({ quantity: "none", cents: 0 });
    expect(line(e, "CloudWatch dashboard")).toBeUndefined();
    expect(e.totalCents).toBe(2620);
  });

  it("keeps what cannot pause: dev's 0.5 ACU and its endpoints, prod's two instances", () => {
    expect(estimateMonthlyCost(dev).idleCents).toBe(12098);
    expect(estimateMonthlyCost(prod).idleCents).toBe(21542);
    expect(estimateMonthlyCost(dev).totalCents).toBe(12554);
    expect(estimateMonthlyCost(prod).totalCents).toBe(22095);
  });

  it("is the month with every usage assumption at zero except storage", () => {
    const a = idleAssumptions(DEFAULT_ASSUMPTIONS);
    expect(a).toMatchObject({
      requestsPerMonth: 0,
      activeHoursPerDay: 0,
      ioMillionsPerMonth: 0,
      logGbPerMonth: 0,
    });
    expect(a.storageGb).toBe(DEFAULT_ASSUMPTIONS.storageGb);
  });

  it("is printed under the total", () => {
    const report = costReport(["dev-lowcost"]);
    expect(report).toMatch(/\nTotal +\$26\.20\nIdle: no traffic, database paused if it can +\$4\.10\n/);
  });
});
