/**
 * Plain-text rendering of cost estimates: an aligned table per environment,
 * the assumptions behind it and the scale-to-zero comparison.
 */
import { type CostAssumptions, type CostEstimate, dollars, HOURS_PER_MONTH } from "./estimate";
import { type PriceTable } from "./prices";

/** Pad the columns of `rows` to a common width; the last column is right-aligned unless `leftOnly`. */
export function alignTable(rows: readonly (readonly string[])[], leftOnly = false): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) =>
          c === r.length - 1 && !leftOnly ? cell.padStart(widths[c]) : cell.padEnd(widths[c]),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The table of one estimate, total last. */
export function formatEstimate(estimate: CostEstimate, title?: string): string {
  const head =
    title ?? `${estimate.project} ${estimate.environment} (${estimate.region}): estimated monthly cost`;
  const rows = [
    ["Item", "Quantity", "Unit price", "Monthly"],
    ...estimate.lines.map((l) => [l.item, l.quantity, l.unitPrice, dollars(l.cents)]),
    ["Total", "", "", dollars(estimate.totalCents)],
    ["Idle: no traffic, database paused if it can", "", "", dollars(estimate.idleCents)],
  ];
  const table = alignTable(rows).split("\n");
  const rule = "-".repeat(Math.max(...table.map((l) => l.length)));
  return [head, rule, table[0], rule, ...table.slice(1, -2), rule, ...table.slice(-2)].join("\n");
}

/** The assumptions, one per line. */
export function formatAssumptions(a: CostAssumptions): string {
  const rows = [
    ["requests per month", `${a.requestsPerMonth.toLocaleString("en-US")}`, "--requests"],
    ["average Lambda duration", `${a.avgDurationSeconds} s`, "--duration"],
    [
      "average ACU per running instance",
      a.avgAcu === undefined ? "minCapacity (0.5 when it is 0)" : `${a.avgAcu} ACU`,
      "--acu",
    ],
    [
      "active time (auto-pausing clusters only)",
      `${a.activeHoursPerDay} h/day, ${a.activeDaysPerWeek} days/week`,
      "--active-hours, --active-days",
    ],
    ["Aurora storage", `${a.storageGb} GB`, "--storage-gb"],
    ["Aurora I/O", `${a.ioMillionsPerMonth} million requests/month`, "--io-millions"],
    ["application logs", `${a.logGbPerMonth} GB/month`, "--log-gb"],
    ["VPC flow logs (when on)", `${a.flowLogGbPerMonth} GB/month`, "--flow-log-gb"],
    ["interface endpoint data", `${a.endpointGbPerMonth} GB/month`, "--endpoint-gb"],
    ["Secrets Manager API calls", `${a.secretCallsPerMonth.toLocaleString("en-US")}/month`, "--secret-calls"],
    [
      "KMS requests (customer key)",
      `${a.kmsRequestsPerMonth.toLocaleString("en-US")}/month`,
      "--kms-requests",
    ],
  ];
  return [
    `Assumptions (a month is ${HOURS_PER_MONTH} h; change with the flag shown):`,
    ...alignTable(rows, true)
      .split("\n")
      .map((l) => `  ${l}`),
  ].join("\n");
}

/** Where the prices come from, and which were overridden or are unverified. */
export function formatPriceSources(table: PriceTable, overridden: readonly string[]): string {
  const entries = Object.entries(table.prices);
  const unverified = entries.filter(([, p]) => p.status === "unverified").map(([k]) => k);
  const dates = [...new Set(entries.map(([, p]) => p.asOf))].join(", ");
  const lines = [
    `Prices: ${table.region} on-demand USD from tools/cost/prices.ts (recorded ${dates}; each entry names its AWS pricing page).`,
  ];
  if (unverified.length) {
    lines.push(
      `  Not cross-checked against a second source: ${unverified.join(", ")}. Confirm before budgeting.`,
    );
  }
  if (overridden.length) lines.push(`  Overridden on the command line: ${overridden.join(", ")}.`);
  return lines.join("\n");
}

/** The scale-to-zero comparison: Aurora capacity and total, before and after. */
export function formatScaleToZero(current: CostEstimate, scaled: CostEstimate): string {
  const item = "Aurora Serverless v2 capacity";
  const before = current.lines.find((l) => l.item === item);
  const after = scaled.lines.find((l) => l.item === item);
  const saved = current.totalCents - scaled.totalCents;
  const a = scaled.assumptions;
  const pct = current.totalCents > 0 ? Math.round((saved / current.totalCents) * 100) : 0;
  const rows = [
    ["", "now", "scale-to-zero"],
    [
      "Aurora running hours per instance",
      `${round1(current.auroraRunningHours)} h`,
      `${round1(scaled.auroraRunningHours)} h`,
    ],
    [item, dollars(before?.cents ?? 0), dollars(after?.cents ?? 0)],
    ["Total", dollars(current.totalCents), dollars(scaled.totalCents)],
  ];
  return [
    `Scale-to-zero for ${current.environment}: minCapacity 0, auto-pause after idle, in use ` +
      `${a.activeHoursPerDay} h/day ${a.activeDaysPerWeek} days/week (the first connection after a pause waits about 15 s, 30 s after a day):`,
    ...alignTable(rows)
      .split("\n")
      .map((l) => `  ${l}`),
    `  Saves ${dollars(saved)}/month (${pct}%).`,
  ].join("\n");
}

function round1(n: number): string {
  return (Math.round(n * 10) / 10).toLocaleString("en-US");
}
