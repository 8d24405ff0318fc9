/**
 * `npm run cost [-- <env>...] [--requests N] [--duration S] [--acu N] ...`
 *
 * Prints a monthly cost estimate per environment file (every environment when
 * none is named), the assumptions behind it and, for non-production
 * environments that keep Aurora running, what scaling to zero would save.
 * `--help` lists every flag.
 */
import { parseArgs } from "node:util";
import { loadEnvironments, DEFAULT_ENVIRONMENTS_DIR } from "../../stacks/config/load";
import { type CostAssumptions, estimateMonthlyCost, resolveAssumptions, withScaleToZero } from "./estimate";
import { formatAssumptions, formatEstimate, formatPriceSources, formatScaleToZero } from "./format";
import { PRICE_KEYS, type PriceKey, priceTableFor } from "./prices";

/** Flag name -> assumption it sets. */
const NUMBER_FLAGS: Readonly<Record<string, keyof CostAssumptions>> = {
  requests: "requestsPerMonth",
  duration: "avgDurationSeconds",
  acu: "avgAcu",
  "active-hours": "activeHoursPerDay",
  "active-days": "activeDaysPerWeek",
  "storage-gb": "storageGb",
  "io-millions": "ioMillionsPerMonth",
  "log-gb": "logGbPerMonth",
  "flow-log-gb": "flowLogGbPerMonth",
  "endpoint-gb": "endpointGbPerMonth",
  "secret-calls": "secretCallsPerMonth",
  "kms-requests": "kmsRequestsPerMonth",
};

const HELP = `Usage: npm run cost [-- <env>...] [flags]

Monthly cost estimate of each environment file in ENVIRONMENTS_DIR (when set)
or stacks/environments/ (all of them when no environment is named).

Usage assumptions:
  --requests N        API requests per month (default 100000)
  --duration S        average Lambda duration in seconds (default 2)
  --acu N             average ACU of a running Aurora instance (default: minCapacity, 0.5 when 0)
  --active-hours H    hours/day an auto-pausing database is in use (default 8)
  --active-days D     days/week an auto-pausing database is in use (default 5)
  --storage-gb N      Aurora storage in GB (default 10)
  --io-millions N     Aurora I/O, millions of requests per month (default 1)
  --log-gb N          application logs ingested per month, GB (default 1)
  --flow-log-gb N     VPC flow logs ingested per month, GB (default 1)
  --endpoint-gb N     data through the interface endpoints per month, GB (default 1)
  --secret-calls N    Secrets Manager API calls per month (default 10000)
  --kms-requests N    KMS requests per month on the customer key (default 10000)
Prices:
  --price KEY=USD     replace one unit price (repeatable); keys: ${PRICE_KEYS.join(", ")}
Other:
  --dir DIR           folder of the environment files (default ENVIRONMENTS_DIR, else stacks/environments)
  --no-scale-to-zero  leave out the scale-to-zero comparison
  --help              this text
`;

/** Parse the command line into environments to show and estimate options. */
export function parseCostArgs(argv: string[]): {
  environments: string[];
  assumptions: Partial<CostAssumptions>;
  prices: Partial<Record<PriceKey, number>>;
  dir: string;
  scaleToZero: boolean;
  help: boolean;
} {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...Object.fromEntries(Object.keys(NUMBER_FLAGS).map((f) => [f, { type: "string" as const }])),
      price: { type: "string", multiple: true },
      dir: { type: "string", default: process.env.ENVIRONMENTS_DIR ?? DEFAULT_ENVIRONMENTS_DIR },
      "no-scale-to-zero": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  const assumptions: Partial<Record<keyof CostAssumptions, number>> = {};
  for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
    const raw = (values as Record<string, unknown>)[flag];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n)) {
      throw new Error(`--${flag} ${JSON.stringify(raw)} must be a number`);
    }
    assumptions[key] = n;
  }
  resolveAssumptions(assumptions); // fail early, naming the assumption
  const prices: Partial<Record<PriceKey, number>> = {};
  for (const spec of (values.price as string[] | undefined) ?? []) {
    const m = /^([a-zA-Z0-9.]+)=(.+)$/.exec(spec);
    const key = m?.[1] as PriceKey | undefined;
    if (!m || !key || !PRICE_KEYS.includes(key)) {
      throw new Error(
        `--price ${JSON.stringify(spec)} must be KEY=USD with KEY one of ${PRICE_KEYS.join(", ")}`,
      );
    }
    const usd = Number(m[2]);
    if (!Number.isFinite(usd) || usd < 0)
      throw new Error(`--price ${JSON.stringify(spec)} must give 0 or more dollars`);
    prices[key] = usd;
  }
  return {
    environments: positionals,
    assumptions,
    prices,
    dir: values.dir as string,
    scaleToZero: !values["no-scale-to-zero"],
    help: values.help as boolean,
  };
}

/** The whole report for the environments of `argv`; throws on bad input. */
export function costReport(argv: string[]): string {
  const args = parseCostArgs(argv);
  if (args.help) return HELP;
  const loaded = loadEnvironments(args.dir);
  const byName = new Map(loaded.environments.map((e) => [e.config.name, e.config]));
  const dirOf = new Map(loaded.environments.map((e) => [e.config.name, e.dir]));
  const wanted = args.environments.length ? args.environments : [...byName.keys()];
  const problems: string[] = [];
  for (const name of wanted) {
    if (byName.has(name)) continue;
    if (loaded.rejected.includes(name)) {
      problems.push(`${name}: the environment file is invalid:\n  ${loaded.errors.join("\n  ")}`);
    } else {
      problems.push(
        `${name}: no such environment (have: ${[...byName.keys(), ...loaded.rejected].join(", ") || "none"})`,
      );
    }
  }
  if (wanted.length === 0) problems.push(...loaded.errors);
  if (problems.length) throw new Error(problems.join("\n"));

  const common = { assumptions: args.assumptions, prices: args.prices };
  const sections: string[] = [];
  const estimates: ReturnType<typeof estimateMonthlyCost>[] = [];
  for (const name of wanted) {
    const env = byName.get(name)!;
    // the estimate counts what the synthesized stack holds; relative code paths resolve as synth resolves them
    const options = { ...common, baseDir: dirOf.get(name) };
    const estimate = estimateMonthlyCost(env, options);
    estimates.push(estimate);
    const parts = [formatEstimate(estimate)];
    if (args.scaleToZero && !env.production && env.database.minCapacity > 0) {
      parts.push(formatScaleToZero(estimate, estimateMonthlyCost(withScaleToZero(env), options)));
    }
    parts.push(estimate.notes.map((n) => `Note: ${n}`).join("\n"));
    sections.push(parts.join("\n\n"));
  }
  const regions = [...new Set(estimates.map((e) => e.region))];
  const header = [
    formatAssumptions(estimates[0].assumptions),
    ...regions.map((r) => formatPriceSources(priceTableFor(r), estimates[0].overriddenPrices)),
  ];
  return [...header, ...sections].join("\n\n") + "\n";
}

if (require.main === module) {
  try {
    process.stdout.write(costReport(process.argv.slice(2)));
  } catch (e) {
    console.error(`cost: ${(e as Error).message}`);
    process.exit(1);
  }
}
