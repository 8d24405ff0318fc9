/**
 * Run checkov (the pinned version from tools/policy/install-checkov.sh) on a
 * plan JSON, offline, and return the failed checks that the environment does
 * not skip.
 *
 * Offline: `--skip-download` stops checkov from fetching guidelines and
 * severities from the Prisma Cloud API (without it, checkov resolves the API
 * host on every run), and the API key variables are removed from its
 * environment so it never tries the platform integration. Checked with
 * strace: no network connection is attempted.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { CheckovSkip } from "./schema";

export { checkovSkipSchema, checkovSkipsSchema, type CheckovSkip } from "./schema";

/** The checkov version install-checkov.sh installs. */
export const CHECKOV_VERSION = "3.3.30";

/** One failed checkov check. */
export interface CheckovFailure {
  /** Check id, e.g. `CKV_AWS_158`. */
  readonly id: string;
  /** What the check wants, e.g. "Ensure that CloudWatch Log Group is encrypted by KMS". */
  readonly name: string;
  /** Resource address, e.g. `aws_cloudwatch_log_group.fn-logs`. */
  readonly resource: string;
  /** Guideline link (null offline: `--skip-download` omits them). */
  readonly guideline: string | null;
}

/** The outcome of a checkov run. */
export interface CheckovResult {
  /** checkov's version. */
  readonly version: string;
  /** Number of passed checks. */
  readonly passed: number;
  /** Failed checks not covered by a skip. */
  readonly failed: readonly CheckovFailure[];
  /** Failed checks covered by a resource-scoped skip, with its reason. */
  readonly skipped: readonly (CheckovFailure & { readonly reason: string })[];
  /** Check ids skipped everywhere (passed to checkov as --skip-check). */
  readonly skippedIds: readonly string[];
  /** Number of resources checkov saw. */
  readonly resourceCount: number;
  /** Wall time of the run. */
  readonly durationMs: number;
  /** The command that was run. */
  readonly command: readonly string[];
}

/** checkov could not run or its output could not be read. */
export class CheckovError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckovError";
  }
}

/**
 * What checkov reads: a plan JSON (`terraform show -json`) or a synthesized
 * Terraform JSON configuration (`cdk.tf.json`).
 */
export type CheckovFramework = "terraform_plan" | "terraform_json";

/** Options for {@link runCheckov}. */
export interface RunCheckovOptions {
  /** Path of the plan JSON (`terraform show -json plan.tfplan`), or of a `cdk.tf.json` with `framework: "terraform_json"`. */
  readonly planPath: string;
  /**
   * checkov's framework for `planPath`.
   * @default "terraform_plan"
   */
  readonly framework?: CheckovFramework;
  /**
   * Run only these checks (checkov `--check`).
   * @default every check
   */
  readonly checks?: readonly string[];
  /**
   * Checks to skip (the environment file's `policy.checkovSkips`).
   * @default []
   */
  readonly skips?: readonly CheckovSkip[];
  /**
   * The checkov command (program and leading arguments).
   * @default [$CHECKOV_BIN or <repo>/.venv/bin/checkov]
   */
  readonly command?: readonly string[];
  /**
   * Kill checkov after this long.
   * @default 300000 (5 minutes)
   */
  readonly timeoutMs?: number;
}

/** Where install-checkov.sh puts checkov (`$CHECKOV_BIN` overrides). */
export function defaultCheckovBin(): string {
  return process.env.CHECKOV_BIN ?? join(resolve(__dirname, "../.."), ".venv", "bin", "checkov");
}

/** Environment for checkov: no platform credentials, nothing that makes it phone home. */
export function checkovEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (/^(BC_|PRISMA_|CKV_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, LOG_LEVEL: "WARNING" };
}

/** The arguments checkov gets for `planPath` with the global skips `ids`. */
export function checkovArgs(
  planPath: string,
  ids: readonly string[],
  framework: CheckovFramework = "terraform_plan",
): string[] {
  const args = ["-f", planPath, "--framework", framework, "-o", "json", "--quiet", "--skip-download"];
  if (ids.length > 0) args.push("--skip-check", ids.join(","));
  return args;
}

function skipMatches(skip: CheckovSkip, f: CheckovFailure): boolean {
  if (skip.id !== f.id) return false;
  if (skip.resource === undefined) return true;
  return (
    f.resource === skip.resource ||
    f.resource.startsWith(`${skip.resource}[`) ||
    f.resource.startsWith(`${skip.resource}.`)
  );
}

interface RawReport {
  results?: { failed_checks?: unknown[]; passed_checks?: unknown[] };
  summary?: { passed?: number; failed?: number; resource_count?: number; checkov_version?: string };
  passed?: number;
  resource_count?: number;
  checkov_version?: string;
}

/** Read checkov's `-o json` output (one report, a list of reports, or an empty-scan summary). */
export function parseCheckovOutput(
  stdout: string,
  skips: readonly CheckovSkip[] = [],
  address: (reported: string) => string = (a) => a,
): Pick<CheckovResult, "version" | "passed" | "failed" | "skipped" | "resourceCount"> {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw new CheckovError(`checkov output is not JSON: ${stdout.slice(0, 200)}`);
  }
  const reports = (Array.isArray(data) ? data : [data]) as RawReport[];
  let version = "unknown";
  let passed = 0;
  let resourceCount = 0;
  const failures: CheckovFailure[] = [];
  for (const r of reports) {
    if (r === null || typeof r !== "object") throw new CheckovError("checkov output is not a report");
    const summary = r.summary ?? r;
    version = summary.checkov_version ?? version;
    passed += summary.passed ?? 0;
    resourceCount += summary.resource_count ?? 0;
    for (const c of r.results?.failed_checks ?? []) {
      const check = c as Record<string, unknown>;
      failures.push({
        id: String(check.check_id),
        name: String(check.check_name ?? ""),
        resource: address(String(check.resource_address ?? check.resource ?? "")),
        guideline: typeof check.guideline === "string" ? check.guideline : null,
      });
    }
  }
  const failed: CheckovFailure[] = [];
  const skipped: (CheckovFailure & { reason: string })[] = [];
  for (const f of failures) {
    const skip = skips.find((s) => skipMatches(s, f));
    if (skip) skipped.push({ ...f, reason: skip.reason });
    else failed.push(f);
  }
  return { version, passed, failed, skipped, resourceCount };
}

/** A Terraform JSON configuration, as far as {@link checkovConfigCopy} reads it. */
interface TfJsonConfig {
  moved?: unknown;
  resource?: Record<string, Record<string, unknown>>;
}

/**
 * The copy of a Terraform JSON configuration that checkov 3.3.30's
 * `terraform_json` parser can read, and the resource type of each resource
 * name. The parser stops at a `moved` block ("this method receives only
 * dicts"), and its resource checks report `resource.<name>` without the
 * type; the type is put back from the configuration, so skips match the
 * same `<type>.<name>` addresses as in a plan. `moved` blocks only rename
 * state addresses and configure nothing checkov checks.
 */
export function checkovConfigCopy(config: string): { doc: TfJsonConfig; typeOf: Map<string, string> } {
  const doc = JSON.parse(config) as TfJsonConfig;
  delete doc.moved;
  const typeOf = new Map<string, string>();
  for (const [type, byName] of Object.entries(doc.resource ?? {})) {
    for (const name of Object.keys(byName)) typeOf.set(name, type);
  }
  return { doc, typeOf };
}

/** `resource.<name>` → `<type>.<name>` (other addresses unchanged). */
export function qualifyAddress(address: string, typeOf: ReadonlyMap<string, string>): string {
  const m = /^resource\.([^.]+)(.*)$/.exec(address);
  const type = m ? typeOf.get(m[1]) : undefined;
  return m && type ? `${type}.${m[1]}${m[2]}` : address;
}

/**
 * Run checkov on a plan JSON. Skips without `resource` are passed to checkov
 * (`--skip-check`); resource-scoped skips filter its failures afterwards.
 * Throws {@link CheckovError} when checkov is missing, crashes or times out.
 */
export function runCheckov(options: RunCheckovOptions): CheckovResult {
  const skips = options.skips ?? [];
  const ids = [...new Set(skips.filter((s) => s.resource === undefined).map((s) => s.id))];
  const [program, ...lead] = options.command ?? [defaultCheckovBin()];
  const framework = options.framework ?? "terraform_plan";
  let target = options.planPath;
  let scratch: string | undefined;
  let typeOf: ReadonlyMap<string, string> = new Map();
  if (framework === "terraform_json") {
    const copy = checkovConfigCopy(readFileSync(options.planPath, "utf8"));
    typeOf = copy.typeOf;
    scratch = mkdtempSync(join(tmpdir(), "checkov-config-"));
    target = join(scratch, "cdk.tf.json");
    writeFileSync(target, JSON.stringify(copy.doc));
  }
  const args = [...lead, ...checkovArgs(target, ids, framework)];
  if (options.checks && options.checks.length > 0) args.push("--check", options.checks.join(","));
  const started = Date.now();
  const r = spawnSync(program, args, {
    encoding: "utf8",
    env: checkovEnv(),
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  const durationMs = Date.now() - started;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new CheckovError(`checkov not found at ${program}: run bash tools/policy/install-checkov.sh`);
    }
    throw new CheckovError(`checkov did not finish: ${r.error.message}`);
  }
  if (r.status !== 0 && r.status !== 1) {
    throw new CheckovError(
      `checkov exited with ${String(r.status ?? r.signal)}: ${r.stderr.trim().slice(-2000)}`,
    );
  }
  const parsed = parseCheckovOutput(r.stdout, skips, (a) => qualifyAddress(a, typeOf));
  return {
    ...parsed,
    // checkov's terraform_json report counts no resources; the configuration's own count is given
    resourceCount: framework === "terraform_json" ? typeOf.size : parsed.resourceCount,
    skippedIds: ids,
    durationMs,
    command: [program, ...args],
  };
}

/** Render a checkov result as readable text. */
export function formatCheckovReport(result: CheckovResult, title = "checkov"): string {
  const out = [
    `${title} ${result.version}: ${result.resourceCount} resources, ${result.passed} passed, ` +
      `${result.failed.length} failed, ${result.skipped.length} skipped ` +
      `(${(result.durationMs / 1000).toFixed(1)} s)`,
  ];
  for (const f of result.failed) out.push(`  ${f.id.padEnd(12)} ${f.resource}\n      ${f.name}`);
  if (result.skippedIds.length > 0) out.push(`  skipped everywhere: ${result.skippedIds.join(", ")}`);
  for (const s of result.skipped) out.push(`  skipped ${s.id} ${s.resource}: ${s.reason}`);
  return out.join("\n");
}
