/**
 * Unit prices the cost estimate multiplies by, per region, each with the date
 * it was recorded, the page that publishes it and how well it was checked.
 *
 * `status`:
 *  - "corroborated": the figure was cross-checked against a second public
 *    source quoting the same regional rate (named in `evidence`);
 *  - "unverified": recorded from the AWS pricing page's regional table
 *    without a second source when this file was written (those pages render
 *    their regional tables with JavaScript, so no offline copy could be
 *    checked). Confirm on the page before budgeting on it.
 *
 * On-demand prices in USD, before tax, free tiers not applied. To update a
 * price: change `usd`, `asOf` and, once checked against the page, `status`.
 * Every figure can also be overridden on the command line
 * (`npm run cost -- --price aurora.acuHour=0.2`).
 */

/** What a price is charged for. */
export type PriceKey =
  | "aurora.acuHour"
  | "aurora.storageGbMonth"
  | "aurora.ioMillion"
  | "endpoint.azHour"
  | "endpoint.gb"
  | "nat.gatewayHour"
  | "lambda.gbSecond"
  | "lambda.millionRequests"
  | "lambda.provisionedGbSecond"
  | "httpApi.millionRequests"
  | "logs.ingestGb"
  | "logs.storageGbMonth"
  | "secrets.secretMonth"
  | "secrets.tenThousandCalls"
  | "kms.keyMonth"
  | "kms.tenThousandRequests"
  | "cloudwatch.alarmMonth"
  | "cloudwatch.dashboardMonth";

/** One unit price and where it comes from. */
export interface Price {
  /** Price in USD per `unit`. */
  readonly usd: number;
  /** What one unit is, e.g. `ACU-hour`. */
  readonly unit: string;
  /** Date (YYYY-MM-DD) the figure was recorded. */
  readonly asOf: string;
  /** Page that publishes the price. */
  readonly source: string;
  /** How well the figure was checked (see the file comment). */
  readonly status: "corroborated" | "unverified";
  /** What the check found, or why there is none. */
  readonly evidence?: string;
}

/** Every price of one region. */
export interface PriceTable {
  readonly region: string;
  readonly prices: Readonly<Record<PriceKey, Price>>;
}

const AS_OF = "2026-11-26";
const AURORA = "https://aws.amazon.com/rds/aurora/pricing/";
const PRIVATELINK = "https://aws.amazon.com/privatelink/pricing/";
const VPC = "https://aws.amazon.com/vpc/pricing/";
const LAMBDA = "https://aws.amazon.com/lambda/pricing/";
const APIGW = "https://aws.amazon.com/api-gateway/pricing/";
const CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/";
const SECRETS = "https://aws.amazon.com/secrets-manager/pricing/";
const KMS = "https://aws.amazon.com/kms/pricing/";

/** Asia Pacific (Tokyo). */
export const AP_NORTHEAST_1: PriceTable = {
  region: "ap-northeast-1",
  prices: {
    "aurora.acuHour": {
      usd: 0.2,
      unit: "ACU-hour",
      asOf: AS_OF,
      source: AURORA,
      status: "corroborated",
      evidence:
        "Aurora Serverless v2, Aurora Standard configuration, Tokyo. A Serverless v2 pricing walk-through quoting the " +
        "Tokyo page gives 0.20 USD/ACU-hour (https://qiita.com/panda_ebarou/items/ba64bb7f0cad524d7734). The " +
        "deployment guide's $0.12 is the us-east-1 rate.",
    },
    "aurora.storageGbMonth": {
      usd: 0.12,
      unit: "GB-month",
      asOf: AS_OF,
      source: AURORA,
      status: "unverified",
      evidence: "Aurora Standard storage, Tokyo.",
    },
    "aurora.ioMillion": {
      usd: 0.24,
      unit: "million I/O requests",
      asOf: AS_OF,
      source: AURORA,
      status: "unverified",
      evidence: "Aurora Standard I/O, Tokyo (I/O-Optimized clusters pay no I/O but more per ACU and GB).",
    },
    "endpoint.azHour": {
      usd: 0.014,
      unit: "endpoint-AZ-hour",
      asOf: AS_OF,
      source: PRIVATELINK,
      status: "unverified",
      evidence:
        "Interface endpoint, Tokyo. The page states each endpoint is billed per hour in each Availability Zone; the " +
        "deployment guide used $0.01 (the us-east-1 rate) and counted endpoints, not endpoint-AZs.",
    },
    "endpoint.gb": {
      usd: 0.01,
      unit: "GB processed",
      asOf: AS_OF,
      source: PRIVATELINK,
      status: "corroborated",
      evidence: "The page's interface endpoint table: first 1 PB per month in a region at $0.01 per GB.",
    },
    "nat.gatewayHour": {
      usd: 0.062,
      unit: "NAT gateway-hour",
      asOf: "2026-11-30",
      source: VPC,
      status: "unverified",
      evidence:
        "NAT gateway per hour, Tokyo (us-east-1: $0.045); data processed is charged on top. No stack of this project has one today.",
    },
    "lambda.gbSecond": {
      usd: 0.0000166667,
      unit: "GB-second",
      asOf: AS_OF,
      source: LAMBDA,
      status: "corroborated",
      evidence:
        "x86, first 6 billion GB-seconds. The serverless cost calculator data lists Tokyo at the base x86 rate " +
        "(only af-south-1, ap-east-1, eu-south-1 and me-* differ).",
    },
    "lambda.millionRequests": {
      usd: 0.2,
      unit: "million requests",
      asOf: AS_OF,
      source: LAMBDA,
      status: "corroborated",
      evidence: "Same rate as the base region in the serverless cost calculator data.",
    },
    "lambda.provisionedGbSecond": {
      usd: 0.0000041667,
      unit: "provisioned GB-second",
      asOf: AS_OF,
      source: LAMBDA,
      status: "unverified",
      evidence:
        "Provisioned concurrency, x86; invocations under it are billed at the normal duration rate here (an over-estimate).",
    },
    "httpApi.millionRequests": {
      usd: 1.29,
      unit: "million requests",
      asOf: AS_OF,
      source: APIGW,
      status: "unverified",
      evidence: "HTTP API, first 300 million requests per month, Tokyo (us-east-1: $1.00).",
    },
    "logs.ingestGb": {
      usd: 0.76,
      unit: "GB ingested",
      asOf: AS_OF,
      source: CLOUDWATCH,
      status: "unverified",
      evidence:
        "Standard log class ingestion, Tokyo (us-east-1: $0.50). Vended logs such as VPC flow logs start at the same " +
        "rate for the first 10 TB.",
    },
    "logs.storageGbMonth": {
      usd: 0.033,
      unit: "GB-month stored",
      asOf: AS_OF,
      source: CLOUDWATCH,
      status: "unverified",
      evidence: "Log storage (archived), Tokyo; billed on compressed size.",
    },
    "secrets.secretMonth": {
      usd: 0.4,
      unit: "secret-month",
      asOf: AS_OF,
      source: SECRETS,
      status: "corroborated",
      evidence: "Same in every commercial region; third-party summaries quote $0.40 per secret per month.",
    },
    "secrets.tenThousandCalls": {
      usd: 0.05,
      unit: "10,000 API calls",
      asOf: AS_OF,
      source: SECRETS,
      status: "corroborated",
      evidence: "Same in every commercial region; third-party summaries quote $0.05 per 10,000 API calls.",
    },
    "kms.keyMonth": {
      usd: 1,
      unit: "customer managed key-month",
      asOf: AS_OF,
      source: KMS,
      status: "corroborated",
      evidence:
        "Symmetric customer managed key; AWS managed keys (aws/sns, aws/rds...) carry no monthly fee. The page states " +
        "$1/month for every KMS key with no regional table; a pricing breakdown citing it gives the same " +
        "(https://cloudburn.io/blog/aws-kms-pricing, March 2026). Re-checked 2026-11-30.",
    },
    "kms.tenThousandRequests": {
      usd: 0.03,
      unit: "10,000 requests",
      asOf: AS_OF,
      source: KMS,
      status: "unverified",
      evidence: "Symmetric key requests beyond the 20,000 free requests per month.",
    },
    "cloudwatch.alarmMonth": {
      usd: 0.1,
      unit: "standard-resolution alarm-month",
      asOf: AS_OF,
      source: CLOUDWATCH,
      status: "unverified",
      evidence: "Standard resolution metric alarm, one metric.",
    },
    "cloudwatch.dashboardMonth": {
      usd: 3,
      unit: "dashboard-month",
      asOf: AS_OF,
      source: CLOUDWATCH,
      status: "unverified",
      evidence: "Custom dashboard; the first 3 dashboards of an account (up to 50 metrics each) are free.",
    },
  },
};

/** Price tables by region. */
export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = {
  [AP_NORTHEAST_1.region]: AP_NORTHEAST_1,
};

/** Every price key, in table order. */
export const PRICE_KEYS = Object.keys(AP_NORTHEAST_1.prices) as PriceKey[];

/**
 * The figures the deployment guide used for its estimate (SPEC.md, "Cost the
 * guide estimated"): us-east-1 rates, applied to Tokyo.
 */
export const GUIDE_PRICES: Readonly<Partial<Record<PriceKey, number>>> = {
  "aurora.acuHour": 0.12,
  "endpoint.azHour": 0.01,
};

/** The price table of `region`; throws when there is none. */
export function priceTableFor(region: string): PriceTable {
  const table = PRICE_TABLES[region];
  if (!table) {
    throw new Error(
      `no price table for region ${region} (tools/cost/prices.ts has: ${Object.keys(PRICE_TABLES).join(", ")})`,
    );
  }
  return table;
}
