/**
 * Timing child processes: wall time, the CPU time of the whole process tree,
 * the peak memory of every Node process in it, and how much CPU the rest of
 * the machine used meanwhile (a shared machine makes wall times noisy; the
 * report says so instead of hiding it).
 *
 * Peak memory comes from a probe preloaded into every Node process of the tree
 * through `NODE_OPTIONS=--require`: on exit each process appends its own
 * `process.resourceUsage().maxRSS` to a file. No external tool is needed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Source of the preloaded probe (CommonJS, no dependencies). */
export const RSS_PROBE_SOURCE = `"use strict";
// Preloaded by tools/bench: report this process's peak RSS when it exits.
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    try {
      const line = JSON.stringify({ pid: process.pid, maxRssKb: process.resourceUsage().maxRSS, argv: process.argv.slice(1, 3) });
      require("node:fs").appendFileSync(file, line + "\\n");
    } catch (_) {}
  });
}
`;

/** Write the probe into `dir`; returns its path. */
export function writeRssProbe(dir: string): string {
  const path = join(dir, "rss-probe.cjs");
  writeFileSync(path, RSS_PROBE_SOURCE);
  return path;
}

/** One Node process's report. */
export interface ProcessRss {
  readonly pid: number;
  readonly maxRssKb: number;
  readonly argv: readonly string[];
}

/** Parse the probe's report file. */
export function parseRssReports(text: string): ProcessRss[] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ProcessRss);
}

/** CPU ticks of this process and its reaped descendants, and of the whole machine (Linux `/proc`). */
interface CpuSample {
  readonly own: number;
  readonly machineBusy: number;
  readonly at: bigint;
}

let clockTicks: number | undefined;

/** Clock ticks per second of `/proc` counters. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const n = Number(r.stdout?.trim());
    clockTicks = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

function sampleCpu(): CpuSample | undefined {
  try {
    // fields after the command name: state is field 3, utime..cstime are fields 14..17
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const own = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
    const machineBusy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + (cpu[7] ?? 0);
    return { own, machineBusy, at: process.hrtime.bigint() };
  } catch {
    return undefined;
  }
}

/** CPU use over an interval. */
export interface CpuUse {
  /** Wall seconds of the interval. */
  readonly wall: number;
  /** CPU seconds used by this process and the children it waited for. */
  readonly own: number;
  /** CPU seconds used by every other process of the machine. */
  readonly others: number;
}

/** Measure CPU use from now until the returned function is called (undefined fields off Linux). */
export function cpuMeter(): () => CpuUse | undefined {
  const start = sampleCpu();
  return () => {
    const end = sampleCpu();
    if (!start || !end) return undefined;
    const hz = ticksPerSecond();
    const own = (end.own - start.own) / hz;
    const busy = (end.machineBusy - start.machineBusy) / hz;
    return { wall: Number(end.at - start.at) / 1e9, own, others: Math.max(0, busy - own) };
  };
}

/** One timed run of a command. */
export interface TimedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall seconds. */
  readonly seconds: number;
  /** CPU seconds (user + system) of the whole process tree, when known. */
  readonly cpuSeconds?: number;
  /** CPU seconds other processes of the machine used meanwhile, when known. */
  readonly othersCpuSeconds?: number;
  /** Peak RSS of the largest Node process of the tree, in KiB, when probed. */
  readonly maxRssKb?: number;
  /** Sum of the peak RSS of every Node process of the tree (an upper bound of the tree's peak). */
  readonly treeRssKb?: number;
}

/** Options of {@link timedRun}. */
export interface TimedRunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Preload this probe (from {@link writeRssProbe}) and collect peak RSS. */
  readonly rssProbe?: string;
  /** Kill the run after this many milliseconds. @default 600000 */
  readonly timeoutMs?: number;
}

/** Run a command to completion, timing it. */
export function timedRun(command: string, args: readonly string[], opts: TimedRunOptions): TimedRun {
  const env = { ...opts.env };
  let rssFile: string | undefined;
  if (opts.rssProbe) {
    rssFile = `${opts.rssProbe}.${process.pid}.${Date.now()}.jsonl`;
    env.BENCH_RSS_FILE = rssFile;
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --require ${JSON.stringify(opts.rssProbe)}`.trim();
  }
  const stop = cpuMeter();
  const started = process.hrtime.bigint();
  const r = spawnSync(command, [...args], {
    cwd: opts.cwd,
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 600_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = stop();
  if (r.error) throw new Error(`${command} ${args.join(" ")}: ${r.error.message}`);
  let maxRssKb: number | undefined;
  let treeRssKb: number | undefined;
  if (rssFile && existsSync(rssFile)) {
    const reports = parseRssReports(readFileSync(rssFile, "utf8"));
    rmSync(rssFile, { force: true });
    if (reports.length) {
      maxRssKb = Math.max(...reports.map((p) => p.maxRssKb));
      treeRssKb = reports.reduce((s, p) => s + p.maxRssKb, 0);
    }
  }
  return {
    code: r.status ?? 1,
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? "",
    seconds,
    cpuSeconds: cpu?.own,
    othersCpuSeconds: cpu?.others,
    maxRssKb,
    treeRssKb,
  };
}
