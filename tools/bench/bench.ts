/**
 * `npm run bench [-- --quick] [--no-write] [--only synth,unit,plan,scale] [--out FILE] [--keep]`
 *
 * Measures, with repeated runs in one session:
 *  1. synth of every stack through the app entry (cdktf.json "app", and
 *     `npx cdktf synth`) against a conventional baseline built on the spot
 *     (same sources, barrel provider imports, ts-node with type checking),
 *     and the synth's peak memory;
 *  2. the unit test suite's wall time;
 *  3. the offline `terraform plan` of each stack once init is cached;
 *  4. synth time as the number of environments grows (2, 8, 32).
 * Prints each figure as it is taken, then a markdown table for the README,
 * and writes the full results with the machine's facts to docs/benchmarks.md.
 * Exits 0 whether or not targets are met (it is a report); 1 when a measured
 * command crashed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type as osType } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildBaselineProject } from "./barrel";

/** The project's app entry, as cdktf runs it (cdktf.json "app"), split into command and arguments. */
const APP_ENTRY = (
  JSON.parse(readFileSync(join(__dirname, "..", "..", "cdktf.json"), "utf8")) as { app: string }
).app;
const [APP_CMD, ...APP_ARGS] = APP_ENTRY.split(/\s+/);
import { writeEnvironments } from "./environments";
import { cpuMeter, timedRun, writeRssProbe, type TimedRun } from "./measure";
import {
  benchmarksMarkdown,
  readmeTable,
  TARGETS,
  type BenchResults,
  type CommandMeasure,
  type Contention,
  type MachineFacts,
  type PlanResults,
  type ScaleResults,
  type StackPlan,
  type SynthResults,
  type UnitResults,
} from "./report";
import { formatKb, formatRatio, formatSeconds, formatSummary, summarize, verdict } from "./stats";
import { planStack } from "../offline-plan/offline-plan";
import { manifestStacks } from "../offline-plan/run";
import { findProviderMirror, findTerraform, terraformVersion } from "../offline-plan/terraform";

const ROOT = resolve(__dirname, "..", "..");
const SECTIONS = ["synth", "unit", "plan", "scale"] as const;
type Section = (typeof SECTIONS)[number];

/** Runs per measure: full and `--quick`. */
const RUNS = {
  full: { synth: 5, cdktf: 2, baseline: 2, unit: 1, planWarm: 2, scale: 2 },
  quick: { synth: 2, cdktf: 1, baseline: 1, unit: 1, planWarm: 1, scale: 1 },
} as const;

/** Environment folder sizes of the scaling measure. */
const SCALE_SIZES = [2, 8, 32] as const;

const log = (line = "") => console.log(line);

/** Environment for measured children: no telemetry, no stray inputs from the caller's shell. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", NO_COLOR: "1", ...extra };
  for (const k of ["ENVIRONMENTS_DIR", "CDKTF_OUTDIR", "DEVELOPER_CIDRS", "STATE_BOOTSTRAP_BACKEND"])
    if (!(k in extra)) delete env[k];
  // a TF_CLI_CONFIG_FILE pointing at a missing file only makes terraform and cdktf print a warning
  if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) delete env.TF_CLI_CONFIG_FILE;
  return env;
}

function packageVersion(name: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
  } catch {
    return "not installed";
  }
}

function machineFacts(): MachineFacts {
  const terraform = findTerraform();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    cores: availableParallelism(),
    memoryGb: totalmem() / 1024 ** 3,
    os: `${osType()} ${release()}`,
    node: process.version,
    terraform: terraform ? terraformVersion(terraform) : "not found",
    packages: Object.fromEntries(
      ["cdktf", "cdktf-cli", "@cdktf/provider-aws", "tsx", "ts-node", "typescript", "jest", "@swc/jest"].map(
        (p) => [p, packageVersion(p)],
      ),
    ),
    loadAverage: loadavg(),
  };
}

/** Measure CPU contention of a section. */
function section<T>(cores: number, body: () => T): { value: T; contention?: Contention } {
  const stop = cpuMeter();
  const value = body();
  const c = stop();
  return {
    value,
    contention: c
      ? { wallSeconds: c.wall, othersCpuSeconds: c.others, share: c.others / (c.wall * cores) }
      : undefined,
  };
}

async function sectionAsync<T>(
  cores: number,
  body: () => Promise<T>,
): Promise<{ value: T; contention?: Contention }> {
  const stop = cpuMeter();
  const value = await body();
  const c = stop();
  return {
    value,
    contention: c
      ? { wallSeconds: c.wall, othersCpuSeconds: c.others, share: c.others / (c.wall * cores) }
      : undefined,
  };
}

/** Collects repeated runs of one command. */
class Series {
  private readonly runs: TimedRun[] = [];
  constructor(
    readonly label: string,
    readonly command: string,
  ) {}

  /** Record a run; throws with the command's output when it failed. */
  add(run: TimedRun, allowFailure = false): TimedRun {
    if (run.code !== 0 && !allowFailure) {
      const out = (run.stderr || run.stdout).trim().split("\n").slice(-15).join("\n");
      throw new Error(`${this.label}: \`${this.command}\` exited ${run.code}:\n${out}`);
    }
    this.runs.push(run);
    const extra = [
      run.cpuSeconds !== undefined ? `cpu ${formatSeconds(run.cpuSeconds)}` : "",
      run.maxRssKb !== undefined ? `rss ${formatKb(run.maxRssKb)}` : "",
    ].filter(Boolean);
    log(`  ${this.label}: ${formatSeconds(run.seconds)}${extra.length ? ` (${extra.join(", ")})` : ""}`);
    return run;
  }

  measure(): CommandMeasure {
    const cpus = this.runs.map((r) => r.cpuSeconds).filter((c): c is number => c !== undefined);
    const rss = this.runs.map((r) => r.maxRssKb).filter((c): c is number => c !== undefined);
    const tree = this.runs.map((r) => r.treeRssKb).filter((c): c is number => c !== undefined);
    return {
      label: this.label,
      command: this.command,
      wall: summarize(this.runs.map((r) => r.seconds)),
      cpu: cpus.length === this.runs.length ? summarize(cpus) : undefined,
      maxRssKb: rss.length ? Math.max(...rss) : undefined,
      treeRssKb: tree.length ? Math.max(...tree) : undefined,
    };
  }
}

function countResources(stackDir: string): number {
  const doc = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as {
    resource?: Record<string, Record<string, unknown>>;
  };
  return Object.values(doc.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
}

function sameStackOutput(a: string, b: string): boolean {
  const fa = join(a, "cdk.tf.json");
  const fb = join(b, "cdk.tf.json");
  return existsSync(fa) && existsSync(fb) && readFileSync(fa).equals(readFileSync(fb));
}

function measureSynth(work: string, probe: string, runs: (typeof RUNS)["full" | "quick"]): SynthResults {
  const oursOut = join(work, "synth-ours");
  const cdktfOut = join(work, "synth-cdktf");
  const baseOut = join(work, "synth-baseline");
  const ours = new Series("ours: tsx, deep imports", APP_ENTRY);
  const cdktf = new Series("ours through cdktf", "npx cdktf synth");
  const base = new Series("baseline: ts-node, barrel imports", "npx ts-node main.ts");

  log("synth: building the baseline (barrel imports, ts-node)");
  const baseline = buildBaselineProject(ROOT, join(work, "baseline"));
  log(`  rewrote ${baseline.imports} deep provider imports in ${baseline.files} files`);

  const runOurs = () =>
    timedRun(APP_CMD, APP_ARGS, {
      cwd: ROOT,
      env: childEnv({ CDKTF_OUTDIR: oursOut }),
      rssProbe: probe,
    });
  const runBase = () =>
    timedRun("npx", ["ts-node", "main.ts"], {
      cwd: baseline.dir,
      env: childEnv({ CDKTF_OUTDIR: baseOut }),
      rssProbe: probe,
    });
  const runCdktf = () =>
    timedRun("npx", ["cdktf", "synth", "--output", cdktfOut], { cwd: ROOT, env: childEnv({ CI: "1" }) });

  log("synth: warm-up run (not counted)");
  const warmUp = runOurs();
  if (warmUp.code !== 0) new Series(ours.label, ours.command).add(warmUp); // throws with the output
  // interleave the commands so a change in machine load hits all of them alike
  const rounds = Math.max(runs.synth, runs.baseline, runs.cdktf);
  for (let i = 0; i < rounds; i++) {
    if (i < runs.synth) ours.add(runOurs());
    if (i < runs.baseline) base.add(runBase());
    if (i < runs.cdktf) cdktf.add(runCdktf());
  }

  const stacksOurs = manifestStacks(oursOut);
  const stacksBase = manifestStacks(baseOut);
  const names = Object.keys(stacksOurs).sort();
  const differing = names.filter((n) => !stacksBase[n] || !sameStackOutput(stacksOurs[n], stacksBase[n]));
  const resources = names.reduce((n, s) => n + countResources(stacksOurs[s]), 0);
  return {
    stacks: names,
    resources,
    ours: ours.measure(),
    cdktf: runs.cdktf > 0 ? cdktf.measure() : undefined,
    baseline: base.measure(),
    baselineFiles: baseline.files,
    baselineImports: baseline.imports,
    differing,
  };
}

function measureUnit(work: string, runs: number): UnitResults {
  const series = new Series("unit suite", "npx jest --selectProjects unit");
  let last = { suites: 0, tests: 0, failed: 0 };
  for (let i = 0; i < runs; i++) {
    const outputFile = join(work, `jest-${i}.json`);
    const run = timedRun(
      "npx",
      ["jest", "--selectProjects", "unit", "--json", `--outputFile=${outputFile}`],
      {
        cwd: ROOT,
        env: childEnv(),
      },
    );
    if (!existsSync(outputFile)) series.add(run); // throws: jest did not get as far as running tests
    const r = JSON.parse(readFileSync(outputFile, "utf8")) as {
      numTotalTestSuites: number;
      numTotalTests: number;
      numFailedTests: number;
      numRuntimeErrorTestSuites?: number;
    };
    last = {
      suites: r.numTotalTestSuites,
      tests: r.numTotalTests,
      failed: r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0),
    };
    // failing tests are a result to report (work in progress elsewhere), not a crash of the benchmark
    series.add(run, true);
    if (last.failed) log(`  note: ${last.failed} failing test(s) or suite(s) in this run`);
  }
  return { run: series.measure(), ...last };
}

async function measurePlan(work: string, synthDir: string, warmRuns: number): Promise<PlanResults> {
  const terraform = findTerraform();
  if (!terraform)
    return { stacks: [], errors: [], skipped: "terraform not found on PATH (or TERRAFORM_BIN)" };
  const mirror = findProviderMirror();
  if (!mirror)
    return { stacks: [], errors: [], skipped: "no provider mirror found (set TF_PROVIDER_MIRROR)" };
  const stacks = manifestStacks(synthDir);
  const results: StackPlan[] = [];
  const errors: string[] = [];
  for (const stack of Object.keys(stacks).sort()) {
    const opts = { terraform, mirror, stackDir: stacks[stack], outDir: join(work, "plan", stack) };
    const cold = await planStack(stack, opts);
    if (!cold.ok) {
      errors.push(`${stack}: ${cold.error ?? "failed"}`);
      continue;
    }
    log(
      `  ${stack} cold: init ${formatSeconds(cold.seconds.init)}, validate ${formatSeconds(cold.seconds.validate)}, plan ${formatSeconds(cold.seconds.plan)}`,
    );
    const warm: {
      init: number;
      validate: number;
      plan: number;
      show: number;
      total: number;
      cpu?: number;
    }[] = [];
    for (let i = 0; i < warmRuns; i++) {
      const started = process.hrtime.bigint();
      const stop = cpuMeter();
      const r = await planStack(stack, opts);
      const total = Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = stop()?.own;
      if (!r.ok) {
        errors.push(`${stack} (warm): ${r.error ?? "failed"}`);
        break;
      }
      warm.push({ ...r.seconds, total, cpu });
      log(
        `  ${stack} warm: init ${formatSeconds(r.seconds.init)}, validate ${formatSeconds(r.seconds.validate)}, plan ${formatSeconds(r.seconds.plan)}, show ${formatSeconds(r.seconds.show)}, whole run ${formatSeconds(total)}${cpu !== undefined ? ` (cpu ${formatSeconds(cpu)})` : ""}`,
      );
    }
    if (!warm.length) continue;
    const pick = (k: "init" | "validate" | "plan" | "show" | "total") => summarize(warm.map((w) => w[k]));
    const cpus = warm.map((w) => w.cpu).filter((c): c is number => c !== undefined);
    results.push({
      stack,
      resources: countResources(stacks[stack]),
      cold: cold.seconds,
      warm: {
        init: pick("init"),
        validate: pick("validate"),
        plan: pick("plan"),
        show: pick("show"),
        total: pick("total"),
      },
      warmCpu: cpus.length === warm.length ? summarize(cpus) : undefined,
      standIns: cold.standIns.length,
    });
  }
  return { stacks: results, errors };
}

function measureScale(work: string, probe: string, runs: number): ScaleResults {
  const template = JSON.parse(
    readFileSync(join(ROOT, "stacks", "environments", "dev.json"), "utf8"),
  ) as unknown;
  const series = SCALE_SIZES.map((n) => {
    const dir = join(work, `environments-${n}`);
    writeEnvironments(dir, template, n);
    return {
      n,
      dir,
      out: join(work, `synth-scale-${n}`),
      series: new Series(`${n} environments`, APP_ENTRY),
    };
  });
  // interleave the sizes, round by round
  for (let i = 0; i < runs; i++) {
    for (const s of series) {
      s.series.add(
        timedRun(APP_CMD, APP_ARGS, {
          cwd: ROOT,
          env: childEnv({ ENVIRONMENTS_DIR: s.dir, CDKTF_OUTDIR: s.out }),
          rssProbe: probe,
        }),
      );
    }
  }
  return {
    points: series.map((s) => ({
      environments: s.n,
      stacks: Object.keys(manifestStacks(s.out)).length,
      run: s.series.measure(),
    })),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
      only: { type: "string" },
      out: { type: "string", default: join("docs", "benchmarks.md") },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    log("npm run bench [-- --quick] [--no-write] [--only synth,unit,plan,scale] [--out FILE] [--keep]");
    return 0;
  }
  const only = values.only ? values.only.split(",").map((s) => s.trim()) : [...SECTIONS];
  const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length)
    throw new Error(`--only: unknown section(s) ${unknown.join(", ")} (use ${SECTIONS.join(",")})`);
  const want = (s: Section) => only.includes(s);
  const runs = values.quick ? RUNS.quick : RUNS.full;

  const started = process.hrtime.bigint();
  const machine = machineFacts();
  const cores = machine.cores;
  log(
    `bench: ${machine.cpuModel} x${cores}, ${machine.memoryGb.toFixed(1)} GB, node ${machine.node}, terraform ${machine.terraform}, load ${machine.loadAverage.map((l) => l.toFixed(2)).join(" ")}`,
  );
  const work = mkdtempSync(join(tmpdir(), "hr-chatbot-bench-"));
  const probe = writeRssProbe(work);
  const errors: string[] = [];
  let synth: SynthResults | undefined;
  let unit: UnitResults | undefined;
  let plan: PlanResults | undefined;
  let scale: ScaleResults | undefined;

  const attempt = async (name: string, fn: () => Promise<void> | void) => {
    try {
      await fn();
    } catch (e) {
      const msg = `${name}: ${(e as Error).message}`;
      errors.push(msg);
      console.error(`error: ${msg}`);
    }
  };

  try {
    if (want("synth"))
      await attempt("synth", () => {
        log("\n== synth of every stack");
        const r = section(cores, () => measureSynth(work, probe, runs));
        synth = { ...r.value, contention: r.contention };
        const q = synth.ours.wall.median / synth.baseline.wall.median;
        log(`  ours ${formatSummary(synth.ours.wall)}`);
        if (synth.cdktf) log(`  cdktf synth ${formatSummary(synth.cdktf.wall)}`);
        log(`  baseline ${formatSummary(synth.baseline.wall)}`);
        log(
          `  ratio ours/baseline ${formatRatio(q)} (target ≤ ${TARGETS.synthRatio}): ${verdict(q, TARGETS.synthRatio)}`,
        );
        if (synth.ours.maxRssKb !== undefined)
          log(
            `  peak RSS ${formatKb(synth.ours.maxRssKb)} (target ≤ 1 GB): ${verdict(synth.ours.maxRssKb, TARGETS.synthRssKb)}`,
          );
        if (synth.differing.length)
          log(`  WARNING: baseline output differs for ${synth.differing.join(", ")}`);
        else log("  baseline output identical to ours");
      });

    if (want("unit"))
      await attempt("unit", () => {
        log("\n== unit test suite");
        const r = section(cores, () => measureUnit(work, runs.unit));
        unit = { ...r.value, contention: r.contention };
        log(
          `  ${formatSummary(unit.run.wall)}, ${unit.tests} tests (target ≤ ${TARGETS.unitSeconds} s): ${verdict(unit.run.wall.median, TARGETS.unitSeconds)}`,
        );
      });

    if (want("plan"))
      await attempt("plan", async () => {
        log("\n== offline plan per stack");
        const synthDir = join(work, "synth-ours");
        if (!existsSync(join(synthDir, "manifest.json"))) {
          log("  synthesizing first");
          new Series("synth", APP_ENTRY).add(
            timedRun(APP_CMD, APP_ARGS, { cwd: ROOT, env: childEnv({ CDKTF_OUTDIR: synthDir }) }),
          );
        }
        const r = await sectionAsync(cores, () => measurePlan(work, synthDir, runs.planWarm));
        plan = { ...r.value, contention: r.contention };
        if (plan.skipped) log(`  skipped: ${plan.skipped}`);
        for (const e of plan.errors) console.error(`  error: ${e}`);
        errors.push(...plan.errors.map((e) => `plan: ${e}`));
      });

    if (want("scale"))
      await attempt("scale", () => {
        log("\n== synth as environments grow");
        const r = section(cores, () => measureScale(work, probe, runs.scale));
        scale = { ...r.value, contention: r.contention };
      });
  } finally {
    if (values.keep) log(`\nscratch files kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }

  const results: BenchResults = {
    machine,
    quick: values.quick,
    totalSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    synth,
    unit,
    plan,
    scale,
    errors,
  };
  log("\n== results (markdown for the README)\n");
  log(readmeTable(results));
  log("");
  const doc = benchmarksMarkdown(results);
  if (values["no-write"]) log("not written (--no-write)");
  else if (errors.length) log(`not writing ${values.out}: ${errors.length} measure(s) failed`);
  else {
    const outFile = resolve(ROOT, values.out);
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, doc);
    log(`wrote ${outFile}`);
  }
  return errors.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`bench: ${e.stack ?? e.message}`);
    process.exit(2);
  },
);
