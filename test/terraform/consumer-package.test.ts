/**
 * The module library as a team outside this repository uses it: `npm pack`
 * of modules/, the tarball installed into a copy of examples/consumer-app (a
 * cdktf TypeScript template project) together with the peer dependencies at
 * this repository's locked versions, the template's own app command
 * (`npx ts-node main.ts`, type checking on) synthesizes it, `tsc --noEmit`
 * passes, and the synthesized stack passes an offline `terraform validate`.
 *
 * Needs the npm registry (or a warm npm cache). Without a terraform binary
 * or the provider mirror the validate step fails with what is missing.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { unzipSync } from "fflate";
import { buildHandlerCode } from "../../modules/db-bootstrap/bundle";
import { planAll } from "../../tools/offline-plan/run";
import { findProviderMirror, findTerraform } from "../../tools/offline-plan/terraform";
import type { StackPlanResult } from "../../tools/offline-plan/offline-plan";

const run = promisify(execFile);
const REPO = resolve(__dirname, "..", "..");
const EXAMPLE = join(REPO, "examples", "consumer-app");
/** What the consumer installs next to the package, at the versions this repository locks. */
const PEERS = ["cdktf", "constructs", "@cdktf/provider-aws"];
const TEMPLATE_DEV = ["typescript", "ts-node", "@types/node"];

const terraformReady = Boolean(findTerraform() && findProviderMirror());

function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/** The child's environment: no npm_* settings inherited from `npm test` (workspace, prefix, ...). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { CHECKPOINT_DISABLE: "1" };
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] ??= v;
  return env;
}

async function sh(command: string, args: string[], cwd: string) {
  try {
    return await run(command, args, { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { message: string; stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${e.stderr || e.stdout || e.message}`);
  }
}

/** Every `<dir>/node_modules/**\/<name>/package.json` (installed copies of a package). */
function copiesOf(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (nm: string) => {
    if (!existsSync(nm)) return;
    if (existsSync(join(nm, name, "package.json"))) found.push(join(nm, name));
    for (const entry of readdirSync(nm)) {
      const scoped = entry.startsWith("@")
        ? readdirSync(join(nm, entry)).map((e) => join(entry, e))
        : [entry];
      for (const pkg of scoped) walk(join(nm, pkg, "node_modules"));
    }
  };
  walk(join(dir, "node_modules"));
  return found.map((p) => relative(dir, p));
}

describe("the packed module library in a consumer made from the cdktf template", () => {
  const root = mkdtempSync(join(tmpdir(), "consumer-package-"));
  const app = join(root, "app");
  let tarball = "";
  let tarFiles: string[] = [];
  let synthSeconds = 0;
  let stack: { resource: Record<string, Record<string, Record<string, unknown>>> };
  let synthOk = false;

  beforeAll(async () => {
    const started = Date.now();
    await sh("npm", ["pack", "--silent", "--pack-destination", root], join(REPO, "modules"));
    tarball = join(
      root,
      readdirSync(root).find((f) => f.endsWith(".tgz"))!,
    );
    tarFiles = (await sh("tar", ["-tzf", tarball], root)).stdout
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ""));

    cpSync(EXAMPLE, app, {
      recursive: true,
      filter: (src) => !/[\\/](node_modules|cdktf\.out)([\\/]|$)/.test(relative(EXAMPLE, src)),
    });
    const specs = [...PEERS, ...TEMPLATE_DEV].map((n) => `${n}@${lockedVersion(n)}`);
    await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, ...specs], app);

    const { app: command } = JSON.parse(readFileSync(join(app, "cdktf.json"), "utf8")) as { app: string };
    const synthStart = Date.now();
    await sh("sh", ["-c", command], app);
    synthSeconds = (Date.now() - synthStart) / 1000;
    stack = JSON.parse(readFileSync(join(app, "cdktf.out", "stacks", "reports", "cdk.tf.json"), "utf8"));
    synthOk = true;
    console.log(
      `consumer: pack + install + synth in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(synth ${synthSeconds.toFixed(1)} s); ${tarFiles.length} files in ${relative(root, tarball)}`,
    );
  }, 300_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("packs only the compiled library, its READMEs and CHANGELOG", () => {
    expect(tarFiles).toEqual(expect.arrayContaining(["package.json", "README.md", "CHANGELOG.md"]));
    expect(tarFiles).toEqual(
      expect.arrayContaining([
        "dist/index.js",
        "dist/index.d.ts",
        "dist/db-bootstrap/handler-bundle/index.js",
      ]),
    );
    const stray = tarFiles.filter(
      (f) =>
        !["package.json", "README.md", "CHANGELOG.md"].includes(f) &&
        !/^[a-z-]+\/README\.md$/.test(f) &&
        !/^dist\/.+\.(js|d\.ts|sql)$/.test(f),
    );
    expect(stray).toEqual([]);
    expect(tarFiles.filter((f) => /\.test\.|testing\.|\/test\/|(?<!\.d)\.ts$/.test(f))).toEqual([]);
  });

  it("declares cdktf, constructs and the providers as peers and nothing for tests or tools", () => {
    const pkg = JSON.parse(
      readFileSync(join(app, "node_modules", "@hr-chatbot", "cdktf-modules", "package.json"), "utf8"),
    ) as Record<string, Record<string, string>>;
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([...PEERS].sort());
    expect(
      Object.keys(pkg.dependencies).filter(
        (d) => PEERS.includes(d) || /^(@aws-sdk|esbuild|pg$|jest)/.test(d),
      ),
    ).toEqual([]);
  });

  it("installs one copy of constructs and cdktf, and neither esbuild nor pg", () => {
    expect(copiesOf(app, "constructs")).toEqual([join("node_modules", "constructs")]);
    expect(copiesOf(app, "cdktf")).toEqual([join("node_modules", "cdktf")]);
    expect(copiesOf(app, "esbuild")).toEqual([]);
    expect(copiesOf(app, "pg")).toEqual([]);
  });

  it("synthesizes with the template's ts-node runner", () => {
    expect(synthOk).toBe(true);
    const functions = Object.values(stack.resource.aws_lambda_function).map((f) => f.function_name);
    expect(functions.sort()).toEqual(["reports-api", "reports-db-bootstrap"]);
    expect(Object.keys(stack.resource)).toEqual(
      expect.arrayContaining([
        "aws_vpc",
        "aws_rds_cluster",
        "aws_apigatewayv2_api",
        "aws_cloudwatch_metric_alarm",
      ]),
    );
  });

  it("deploys the handler built with the package: the same bytes the sources build, migrations beside it", () => {
    const fn = Object.values(stack.resource.aws_lambda_function).find(
      (f) => f.function_name === "reports-db-bootstrap",
    )!;
    const zip = unzipSync(readFileSync(join(app, "cdktf.out", "stacks", "reports", String(fn.filename))));
    expect(Object.keys(zip).sort()).toEqual(["index.js", "migrations.json"]);
    expect(Buffer.from(zip["index.js"]).equals(buildHandlerCode())).toBe(true);
    const migrations = JSON.parse(Buffer.from(zip["migrations.json"]).toString("utf8")) as { name: string }[];
    expect(migrations.map((m) => m.name)).toEqual(["0001_create_extension_vector", "0002_check_vector"]);
  });

  it("type-checks with the template's tsconfig (tsc --noEmit)", async () => {
    await expect(sh("npx", ["tsc", "--noEmit"], app)).resolves.toBeDefined();
  }, 60_000);

  if (terraformReady) {
    it("passes an offline terraform validate", async () => {
      const lines: string[] = [];
      const results: StackPlanResult[] = await planAll({
        synthDir: join(app, "cdktf.out"),
        outDir: join(root, "validate"),
        validateOnly: true,
        log: (l) => lines.push(l),
      });
      expect(results.map((r) => ({ stack: r.stack, ok: r.ok, error: r.error }))).toEqual([
        { stack: "reports", ok: true, error: undefined },
      ]);
    }, 120_000);
  } else {
    it("terraform and the provider mirror are available for the validate", () => {
      throw new Error("offline terraform validate cannot run: no terraform binary or provider mirror");
    });
  }
});
