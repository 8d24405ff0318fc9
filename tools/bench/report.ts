/**
 * The benchmark's results as data, and their rendering: the short table for
 * the README and the full `docs/benchmarks.md`.
 */
import { formatKb, formatRatio, formatSeconds, verdict, type Summary } from "./stats";

/** The targets the project commits to (README, DESIGN "Speed"). */
export const TARGETS = {
  /** Synth of every stack through the app entry, as a fraction of the barrel + ts-node baseline. */
  synthRatio: 0.15,
  /** Peak RSS of the synth process, KiB (1 GiB). */
  synthRssKb: 1024 * 1024,
  /** Wall time of the unit test suite, seconds (2 cores). */
  unitSeconds: 60,
  /** `terraform plan` of one stack once init is cached, seconds. */
  planSeconds: 5,
  /** Marginal synth cost of an environment may grow at most this much from the small to the large folder. */
  scaleGrowth: 1.5,
} as const;

/** The machine the figures were taken on. */
export interface MachineFacts {
  readonly date: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly terraform: string;
  /** Versions of the tools that shape the figures. */
  readonly packages: Readonly<Record<string, string>>;
  readonly loadAverage: readonly number[];
}

/** Share of the machine's CPU other processes used during a section. */
export interface Contention {
  readonly wallSeconds: number;
  readonly othersCpuSeconds: number;
  /** othersCpuSeconds / (wallSeconds * cores). */
  readonly share: number;
}

/** Repeated runs of one command. */
export interface CommandMeasure {
  readonly label: string;
  readonly command: string;
  readonly wall: Summary;
  /** CPU seconds of the process tree, when known. */
  readonly cpu?: Summary;
  /** Largest single-process peak RSS over the runs, KiB. */
  readonly maxRssKb?: number;
  /** Largest sum of per-process peak RSS over the runs, KiB. */
  readonly treeRssKb?: number;
}

/** Synth of the shipped environments. */
export interface SynthResults {
  readonly stacks: readonly string[];
  readonly resources: number;
  readonly ours: CommandMeasure;
  readonly cdktf?: CommandMeasure;
  readonly baseline: CommandMeasure;
  /** How the baseline was made. */
  readonly baselineFiles: number;
  readonly baselineImports: number;
  /** Stacks whose cdk.tf.json differs between ours and the baseline (should be none). */
  readonly differing: readonly string[];
  /** The project's sources changed while the synth was measured (someone edited them meanwhile). */
  readonly sourcesChanged?: boolean;
  readonly contention?: Contention;
}

/** The unit test suite. */
export interface UnitResults {
  readonly run: CommandMeasure;
  readonly suites: number;
  readonly tests: number;
  readonly failed: number;
  readonly contention?: Contention;
}

/** Offline plan of one stack. */
export interface StackPlan {
  readonly stack: string;
  readonly resources: number;
  /** The first run: init installs the provider from the mirror. */
  readonly cold: Readonly<Record<"init" | "validate" | "plan" | "show", number>>;
  /** Repeated runs with init cached. */
  readonly warm: Readonly<Record<"init" | "validate" | "plan" | "show" | "total", Summary>>;
  /** CPU seconds of a whole warm run (terraform and the provider plugin), when known. */
  readonly warmCpu?: Summary;
  readonly standIns: number;
}

/** Offline plans. */
export interface PlanResults {
  readonly stacks: readonly StackPlan[];
  readonly errors: readonly string[];
  readonly skipped?: string;
  readonly contention?: Contention;
}

/** Synth of one generated folder of environments. */
export interface ScalePoint {
  readonly environments: number;
  readonly stacks: number;
  readonly run: CommandMeasure;
}

/** Synth time as environments grow. */
export interface ScaleResults {
  readonly points: readonly ScalePoint[];
  readonly contention?: Contention;
}

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  readonly machine: MachineFacts;
  readonly quick: boolean;
  readonly totalSeconds: number;
  readonly synth?: SynthResults;
  readonly unit?: UnitResults;
  readonly plan?: PlanResults;
  readonly scale?: ScaleResults;
  readonly errors: readonly string[];
}

/** Marginal cost per environment between consecutive folder sizes, seconds. */
export interface Marginal {
  readonly from: number;
  readonly to: number;
  readonly wall: number;
  readonly cpu?: number;
}

/** Marginal synth cost per added environment between consecutive sizes (medians). */
export function marginalCosts(points: readonly ScalePoint[]): Marginal[] {
  const out: Marginal[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    const n = b.environments - a.environments;
    const cpuA = a.run.cpu?.median;
    const cpuB = b.run.cpu?.median;
    out.push({
      from: a.environments,
      to: b.environments,
      wall: (b.run.wall.median - a.run.wall.median) / n,
      cpu: cpuA !== undefined && cpuB !== undefined ? (cpuB - cpuA) / n : undefined,
    });
  }
  return out;
}

/**
 * Whether the cost per environment stays flat: the last marginal cost is at
 * most {@link TARGETS.scaleGrowth} times the first. CPU time is used when
 * known (it is far less disturbed by other processes than wall time).
 */
export function scaleVerdict(marginals: readonly Marginal[]): {
  flat: boolean;
  growth: number;
  basis: string;
} {
  if (marginals.length < 2) return { flat: true, growth: 1, basis: "n/a" };
  const first = marginals[0];
  const last = marginals[marginals.length - 1];
  const useCpu = first.cpu !== undefined && last.cpu !== undefined;
  const a = useCpu ? first.cpu! : first.wall;
  const b = useCpu ? last.cpu! : last.wall;
  const growth = a > 0 ? b / a : Infinity;
  return { flat: growth <= TARGETS.scaleGrowth, growth, basis: useCpu ? "CPU time" : "wall time" };
}

function ms(s: Summary): string {
  return `${formatSeconds(s.median)} (min ${formatSeconds(s.min)})`;
}

function ratio(a: Summary, b: Summary): number {
  return a.median / b.median;
}

/** Warm `terraform plan` median of the slowest stack. */
function slowestPlan(plan: PlanResults): number {
  return Math.max(...plan.stacks.map((s) => s.warm.plan.median));
}

/** The summary table (the README pastes it). */
export function readmeTable(r: BenchResults): string {
  const rows: string[][] = [];
  const s = r.synth;
  if (s) {
    const q = ratio(s.ours.wall, s.baseline.wall);
    rows.push([
      "synth of every stack (`node --import tsx main.ts`) vs barrel imports + ts-node",
      `≤ ${TARGETS.synthRatio}`,
      `${formatRatio(q)} (${formatSeconds(s.ours.wall.median)} vs ${formatSeconds(s.baseline.wall.median)})`,
      verdict(q, TARGETS.synthRatio),
    ]);
    if (s.cdktf)
      rows.push([
        "synth through `npx cdktf synth`",
        "—",
        `${formatSeconds(s.cdktf.wall.median)} (${formatRatio(ratio(s.cdktf.wall, s.baseline.wall))} of baseline)`,
        "",
      ]);
    if (s.ours.maxRssKb !== undefined)
      rows.push([
        "peak memory (RSS) of the synth",
        "≤ 1 GB",
        formatKb(s.ours.maxRssKb),
        verdict(s.ours.maxRssKb, TARGETS.synthRssKb),
      ]);
  }
  const u = r.unit;
  if (u)
    rows.push([
      `unit test suite (\`npm run test:unit\`, ${u.tests} tests)`,
      `≤ ${TARGETS.unitSeconds} s`,
      formatSeconds(u.run.wall.median),
      verdict(u.run.wall.median, TARGETS.unitSeconds),
    ]);
  const p = r.plan;
  if (p && p.stacks.length)
    rows.push([
      "offline `terraform plan` per stack, init cached",
      `≤ ${TARGETS.planSeconds} s`,
      p.stacks.map((x) => `${x.stack} ${formatSeconds(x.warm.plan.median)}`).join(", "),
      verdict(slowestPlan(p), TARGETS.planSeconds),
    ]);
  const sc = r.scale;
  if (sc && sc.points.length > 1) {
    const m = marginalCosts(sc.points);
    const v = scaleVerdict(m);
    rows.push([
      `synth cost per added environment (${sc.points.map((x) => x.environments).join(" → ")} environments)`,
      "flat",
      m.every((x) => x.cpu !== undefined)
        ? `${m.map((x) => formatSeconds(x.cpu!)).join(" → ")} CPU (wall ${m.map((x) => formatSeconds(x.wall)).join(" → ")})`
        : m.map((x) => formatSeconds(x.wall)).join(" → "),
      v.flat ? "PASS" : "MISS",
    ]);
  }
  return table(["measure", "target", "median", ""], rows);
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

function contentionNote(c: Contention | undefined, cores: number): string {
  if (!c) return "";
  const pct = Math.round(c.share * 100);
  return `Other processes used ${c.othersCpuSeconds.toFixed(0)} CPU-seconds during this section (${pct}% of ${cores} cores over ${formatSeconds(c.wallSeconds)}).`;
}

/** Share of the machine other processes used over the whole run. */
export function overallContention(r: BenchResults): Contention | undefined {
  const parts = [r.synth?.contention, r.unit?.contention, r.plan?.contention, r.scale?.contention].filter(
    (c): c is Contention => c !== undefined,
  );
  if (!parts.length) return undefined;
  const wallSeconds = parts.reduce((s, c) => s + c.wallSeconds, 0);
  const othersCpuSeconds = parts.reduce((s, c) => s + c.othersCpuSeconds, 0);
  return { wallSeconds, othersCpuSeconds, share: othersCpuSeconds / (wallSeconds * r.machine.cores) };
}

function cpuCell(m: CommandMeasure): string {
  return m.cpu ? `${formatSeconds(m.cpu.median)}` : "n/a";
}

/** The full results document (`docs/benchmarks.md`). */
export function benchmarksMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  const cores = m.cores;
  out.push(
    "# Benchmarks",
    "",
    `Measured by \`npm run bench\` ([tools/bench](../tools/bench/README.md)) on ${m.date}` +
      `${r.quick ? " with `--quick` (fewer runs)" : ""}; the whole run took ${formatSeconds(r.totalSeconds)}. ` +
      "Every figure comes from repeated runs in that one session: the median, and the minimum in brackets. " +
      "Ratios compare medians measured side by side in the same run. Re-run `npm run bench` to refresh this file.",
    "",
  );
  const overall = overallContention(r);
  if (overall && overall.share >= 0.1) {
    out.push(
      `> **The machine was busy.** Other processes used ${Math.round(overall.share * 100)}% of its ${cores} cores ` +
        "while the benchmark ran, so wall times are higher and noisier than on an idle machine. " +
        "CPU times (user + system of the measured process tree) are less affected and are shown next to them.",
      "",
    );
  }
  out.push("## Machine", "");
  out.push(
    table(
      ["", ""],
      [
        ["date", m.date],
        ["CPU", `${m.cpuModel}, ${cores} cores`],
        ["memory", `${m.memoryGb.toFixed(1)} GB`],
        ["OS", m.os],
        ["node", m.node],
        ["terraform", m.terraform],
        ...Object.entries(m.packages).map(([k, v]) => [k, v]),
        ["load average at start (1, 5, 15 min)", m.loadAverage.map((l) => l.toFixed(2)).join(", ")],
        ...(overall
          ? [
              [
                "CPU used by other processes during the run",
                `${overall.othersCpuSeconds.toFixed(0)} CPU-seconds (${Math.round(overall.share * 100)}% of the machine)`,
              ],
            ]
          : []),
      ],
    ),
    "",
  );
  out.push("## Summary", "", readmeTable(r), "");

  const s = r.synth;
  if (s) {
    out.push(
      "## Synth",
      "",
      `All shipped environments plus the state bootstrap stack: ${s.stacks.length} stacks (${s.stacks.join(", ")}), ` +
        `${s.resources} resources. The baseline is the same sources with every deep provider import ` +
        `(${s.baselineImports} imports in ${s.baselineFiles} files) rewritten to the barrel form ` +
        '(`import * as aws from "@cdktf/provider-aws"`, then `aws.vpc.Vpc`), run with ts-node and type checking on, ' +
        "as conventional CDKTF TypeScript projects do. " +
        (s.differing.length
          ? `**Its output differs from ours for ${s.differing.join(", ")}.**`
          : "Its Terraform JSON is identical to ours, stack for stack.") +
        (s.sourcesChanged ? " The sources were edited while the synth was measured." : ""),
      "",
    );
    const rows = [s.ours, ...(s.cdktf ? [s.cdktf] : []), s.baseline].map((c) => [
      c.label,
      `\`${c.command}\``,
      String(c.wall.runs),
      ms(c.wall),
      cpuCell(c),
      c === s.baseline ? "1" : formatRatio(ratio(c.wall, s.baseline.wall)),
      c.maxRssKb !== undefined ? formatKb(c.maxRssKb) : "n/a",
    ]);
    out.push(
      table(
        ["entry", "command", "runs", "wall, median (min)", "CPU, median", "wall vs baseline", "peak RSS"],
        rows,
      ),
      "",
    );
    const cpuRatio =
      s.ours.cpu && s.baseline.cpu ? ` (by CPU time: ${formatRatio(ratio(s.ours.cpu, s.baseline.cpu))})` : "";
    out.push(
      `Ours / baseline: **${formatRatio(ratio(s.ours.wall, s.baseline.wall))}**${cpuRatio}; target ≤ ${TARGETS.synthRatio}.`,
      "",
    );
    if (s.ours.maxRssKb !== undefined)
      out.push(
        `Peak RSS is the largest single Node process of the run (the synth itself); every Node process of the tree ` +
          `(npx, the tsx launcher, the synth, the short-lived zip helpers cdktf spawns for archive assets) together peaked at no more than ${formatKb(s.ours.treeRssKb ?? 0)}. ` +
          "esbuild's native helper is not counted.",
        "",
      );
    const note = contentionNote(s.contention, cores);
    if (note) out.push(note, "");
  }

  const u = r.unit;
  if (u) {
    out.push(
      "## Unit test suite",
      "",
      table(
        ["command", "runs", "wall, median (min)", "CPU, median", "suites", "tests", "failed"],
        [
          [
            `\`${u.run.command}\``,
            String(u.run.wall.runs),
            ms(u.run.wall),
            cpuCell(u.run),
            String(u.suites),
            String(u.tests),
            String(u.failed),
          ],
        ],
      ),
      "",
    );
    const note = contentionNote(u.contention, cores);
    if (note) out.push(note, "");
  }

  const p = r.plan;
  if (p) {
    out.push("## Offline plan", "");
    if (p.skipped) out.push(`Skipped: ${p.skipped}.`, "");
    if (p.stacks.length) {
      out.push(
        "Through `planStack` of [tools/offline-plan](../tools/offline-plan/offline-plan.ts) on the synth output above. " +
          "The first run of a stack installs the aws provider from the mirror (cold); the later runs reuse the " +
          "initialized working directory (warm), as `npm run plan:offline` does on a second call. " +
          "The target applies to the warm `terraform plan` step.",
        "",
        table(
          [
            "stack",
            "resources",
            "cold init",
            "warm init",
            "validate",
            "**plan**",
            "show -json",
            "whole warm run",
            "CPU of the warm run",
            "",
          ],
          p.stacks.map((x) => [
            x.stack,
            String(x.resources),
            formatSeconds(x.cold.init),
            ms(x.warm.init),
            ms(x.warm.validate),
            `**${ms(x.warm.plan)}**`,
            ms(x.warm.show),
            ms(x.warm.total),
            x.warmCpu ? formatSeconds(x.warmCpu.median) : "n/a",
            verdict(x.warm.plan.median, TARGETS.planSeconds),
          ]),
        ),
        "",
      );
      const standIns = p.stacks.filter((x) => x.standIns > 0);
      if (standIns.length)
        out.push(
          `hashicorp/random is not installable offline: ${standIns.map((x) => `${x.stack} ${x.standIns}`).join(", ")} ` +
            "random resource(s) were planned as `terraform_data` stand-ins.",
          "",
        );
    }
    for (const e of p.errors) out.push(`- error: ${e}`);
    if (p.errors.length) out.push("");
    const note = contentionNote(p.contention, cores);
    if (note) out.push(note, "");
  }

  const sc = r.scale;
  if (sc && sc.points.length) {
    const marg = marginalCosts(sc.points);
    const v = scaleVerdict(marg);
    out.push(
      "## Synth as environments grow",
      "",
      "Folders of generated environment files (copies of `dev.json` named `bench-NN`, VPC `10.<i>.0.0/24`), " +
        "each synthesized with `ENVIRONMENTS_DIR=<folder> node --import tsx main.ts` (plus the state bootstrap stack). " +
        "The cost of an added environment is the difference of medians divided by the environments added.",
      "",
      table(
        [
          "environments",
          "stacks",
          "runs",
          "wall, median (min)",
          "CPU, median",
          "wall per environment",
          "added cost per environment (wall / CPU)",
          "peak RSS",
        ],
        sc.points.map((pt, i) => [
          String(pt.environments),
          String(pt.stacks),
          String(pt.run.wall.runs),
          ms(pt.run.wall),
          cpuCell(pt.run),
          formatSeconds(pt.run.wall.median / pt.environments),
          i === 0
            ? "—"
            : `${formatSeconds(marg[i - 1].wall)} / ${marg[i - 1].cpu !== undefined ? formatSeconds(marg[i - 1].cpu!) : "n/a"}`,
          pt.run.maxRssKb !== undefined ? formatKb(pt.run.maxRssKb) : "n/a",
        ]),
      ),
      "",
      `Wall time per environment falls as the fixed start-up cost (loading modules, compiling) is shared; the added cost ` +
        `per environment ${v.flat ? "stays flat" : "grows"}: the last step costs ${formatRatio(v.growth)}× the first ` +
        `by ${v.basis} (flat means ≤ ${TARGETS.scaleGrowth}×): **${v.flat ? "PASS" : "MISS"}**.`,
      "",
    );
    const note = contentionNote(sc.contention, cores);
    if (note) out.push(note, "");
  }

  if (r.errors.length) {
    out.push("## Errors", "", ...r.errors.map((e) => `- ${e}`), "");
  }
  return out.join("\n");
}
