/**
 * The app entry: environments from another folder, all problems reported at
 * once, and a rejected environment leaves no Terraform output behind.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { allowProductionDestroyOf, applyDeveloperCidrs, synthesizeApp } from "./app";
import { DEFAULT_ENVIRONMENTS_DIR, loadEnvironments } from "./config/load";
import { environmentJsonSchema, JSON_SCHEMA_FILE } from "./config/json-schema";

const ROOT = resolve(__dirname, "..");
const devJson = () =>
  JSON.parse(readFileSync(join(DEFAULT_ENVIRONMENTS_DIR, "dev.json"), "utf8")) as Record<string, unknown>;

function envDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "envs-"));
  for (const [name, doc] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(doc));
  return dir;
}

describe("synthesizeApp", () => {
  it("synthesizes the environments of another folder (ENVIRONMENTS_DIR) plus the state bootstrap", () => {
    const dir = envDir({ "qa.json": { ...devJson(), name: "qa" } });
    const out = mkdtempSync(join(tmpdir(), "out-"));
    const r = synthesizeApp({ environmentsDir: dir, outdir: out });
    expect(r.errors).toEqual([]);
    expect(r.stacks).toEqual(["qa", "state-bootstrap"]);
    const qa = JSON.parse(readFileSync(join(out, "stacks", "qa", "cdk.tf.json"), "utf8"));
    expect(qa.terraform.backend.s3.key).toBe("hr-chatbot/qa/qa.tfstate");
  });

  it("rejects a broken environment, reports every error, and leaves no stack directory behind", () => {
    const out = mkdtempSync(join(tmpdir(), "out-"));
    // a previous good synth left a qa stack behind
    const good = envDir({ "qa.json": { ...devJson(), name: "qa" } });
    expect(synthesizeApp({ environmentsDir: good, outdir: out }).ok).toBe(true);
    expect(existsSync(join(out, "stacks", "qa", "cdk.tf.json"))).toBe(true);

    const broken = { ...devJson(), name: "qa" } as unknown as Record<string, Record<string, unknown>>;
    broken.network = { ...broken.network, vpcCidr: "10.0.0.0/33" };
    broken.compute = { ...broken.compute, memoryMb: 64 };
    const bad = envDir({ "qa.json": broken });
    const r = synthesizeApp({ environmentsDir: bad, outdir: out });
    expect(r.ok).toBe(false);
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(/\/qa\.json: network\.vpcCidr "10\.0\.0\.0\/33"/);
    expect(r.errors[1]).toMatch(/\/qa\.json: compute\.memoryMb 64 must be at least 128/);
    expect(existsSync(join(out, "stacks", "qa"))).toBe(false);
  });

  it("the CLI exits non-zero, prints every error and writes nothing for a rejected folder", () => {
    const broken = { ...devJson(), name: "qa" } as unknown as Record<string, Record<string, unknown>>;
    broken.database = { ...broken.database, minCapacity: 8 };
    const bad = envDir({ "qa.json": broken });
    const out = mkdtempSync(join(tmpdir(), "out-"));
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "main.ts")],
      {
        env: { ...process.env, ENVIRONMENTS_DIR: bad, CDKTF_OUTDIR: out },
        encoding: "utf8",
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `error: ${join(bad, "qa.json")}: database.minCapacity 8 must not exceed database.maxCapacity 2`,
    );
    expect(r.stderr).toContain("no stack was written");
    expect(existsSync(join(out, "stacks"))).toBe(false);
  });

  it("DEVELOPER_CIDRS replaces the developer addresses of non-production environments only", () => {
    const dev = devJson();
    expect(
      (applyDeveloperCidrs(dev, "198.51.100.7/32, 198.51.100.8/32") as typeof dev & { security: unknown })
        .security,
    ).toEqual({
      developerCidrs: ["198.51.100.7/32", "198.51.100.8/32"],
    });
    const prod = { ...dev, production: true };
    expect(applyDeveloperCidrs(prod, "198.51.100.7/32")).toBe(prod);
    expect(applyDeveloperCidrs(dev, undefined)).toBe(dev);
    const out = mkdtempSync(join(tmpdir(), "out-"));
    const dir = mkdtempSync(join(tmpdir(), "envs-"));
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(DEFAULT_ENVIRONMENTS_DIR, "dev.json"), join(dir, "dev.json"));
    const r = synthesizeApp({ environmentsDir: dir, outdir: out, developerCidrs: "198.51.100.7/32" });
    expect(r.ok).toBe(true);
    const json = readFileSync(join(out, "stacks", "dev", "cdk.tf.json"), "utf8");
    expect(json).toContain("198.51.100.7/32");
    expect(json).not.toContain("203.0.113.10/32");
  });
});

describe("environment JSON Schema", () => {
  it("the committed environment.schema.json is generated from the zod schema (run `npm run schema`)", () => {
    expect(readFileSync(JSON_SCHEMA_FILE, "utf8")).toBe(environmentJsonSchema());
  });

  it("every shipped environment points at it", () => {
    for (const f of ["dev.json", "prod.json"]) {
      expect(JSON.parse(readFileSync(join(DEFAULT_ENVIRONMENTS_DIR, f), "utf8")).$schema).toBe(
        "./environment.schema.json",
      );
    }
  });
});

describe("ALLOW_PRODUCTION_DESTROY", () => {
  const { environments } = loadEnvironments();
  it("names production environments only, never a bare yes", () => {
    expect(allowProductionDestroyOf(undefined, environments)).toEqual({ names: [], errors: [] });
    expect(allowProductionDestroyOf("prod", environments)).toEqual({ names: ["prod"], errors: [] });
    expect(allowProductionDestroyOf("1", environments).errors).toEqual([
      'ALLOW_PRODUCTION_DESTROY (environment variable): "1" is not a production environment of this synth (production: prod); name the environment whose protection to lift',
    ]);
    expect(allowProductionDestroyOf("dev", environments).errors).toHaveLength(1);
  });

  it("synth announces the lifted protection and writes prod without prevent_destroy", () => {
    const outdir = mkdtempSync(join(tmpdir(), "out-"));
    const result = synthesizeApp({ outdir, allowProductionDestroy: "prod" });
    expect(result.errors).toEqual([]);
    expect(result.notices).toEqual([
      expect.stringMatching(
        /^prod: ALLOW_PRODUCTION_DESTROY names this production environment: .*npm run deploy -- prod.*npm run destroy -- prod/,
      ),
    ]);
    const prod = readFileSync(join(outdir, "stacks", "prod", "cdk.tf.json"), "utf8");
    expect(prod).not.toContain("prevent_destroy");
    const refused = synthesizeApp({
      outdir: mkdtempSync(join(tmpdir(), "out-")),
      allowProductionDestroy: "yes",
    });
    expect(refused.ok).toBe(false);
    expect(refused.errors[0]).toMatch(/^ALLOW_PRODUCTION_DESTROY \(environment variable\): "yes"/);
  });
});
