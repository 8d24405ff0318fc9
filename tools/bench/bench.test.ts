import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildBaselineProject, parseBarrelIndex, rewriteToBarrel, type BarrelPackage } from "./barrel";
import { benchEnvironmentName, environmentCopy, writeEnvironments } from "./environments";
import { cpuMeter, parseRssReports, timedRun, writeRssProbe } from "./measure";
import {
  benchmarksMarkdown,
  marginalCosts,
  readmeTable,
  scaleVerdict,
  type BenchResults,
  type CommandMeasure,
  type ScalePoint,
} from "./report";
import { formatKb, formatSeconds, summarize, verdict } from "./stats";
import { validateEnvironment } from "../../stacks/config/load";

const ROOT = resolve(__dirname, "..", "..");

const aws: BarrelPackage = {
  pkg: "@cdktf/provider-aws",
  alias: "aws",
  namespaces: new Map([
    ["vpc", "vpc"],
    ["vpc-endpoint", "vpcEndpoint"],
    ["lambda-function", "lambdaFunction"],
    ["provider", "provider"],
  ]),
};
const random: BarrelPackage = {
  pkg: "@cdktf/provider-random",
  alias: "random",
  namespaces: new Map([["password", "password"]]),
};

describe("parseBarrelIndex", () => {
  it("maps lib paths to the barrel's export names", () => {
    const js = [
      'exports.vpc = require("./vpc");',
      'exports.vpcEndpoint = require("./vpc-endpoint");',
      "exports.provider = require('./provider');",
    ].join("\n");
    expect([...parseBarrelIndex(js)]).toEqual([
      ["vpc", "vpc"],
      ["vpc-endpoint", "vpcEndpoint"],
      ["provider", "provider"],
    ]);
  });
});

describe("rewriteToBarrel", () => {
  it("replaces deep imports with one namespace import per package and qualifies references", () => {
    const src = [
      'import { Construct } from "constructs";',
      'import { Vpc } from "@cdktf/provider-aws/lib/vpc";',
      'import { VpcEndpoint as Endpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";',
      'import { Password } from "@cdktf/provider-random/lib/password";',
      "export class X extends Construct {",
      "  readonly vpc: Vpc;",
      "  constructor(scope: Construct) {",
      '    super(scope, "x");',
      '    this.vpc = new Vpc(this, "vpc", { cidrBlock: "10.0.0.0/24" });',
      '    new Endpoint(this, "e", { vpcId: this.vpc.id, serviceName: "Vpc" });',
      '    new Password(this, "p", { length: 16 });',
      "  }",
      "}",
      "",
    ].join("\n");
    const r = rewriteToBarrel("x.ts", src, [aws, random]);
    expect(r.imports).toBe(3);
    expect(r.text).toBe(
      [
        'import { Construct } from "constructs";',
        'import * as aws from "@cdktf/provider-aws";',
        'import * as random from "@cdktf/provider-random";',
        "export class X extends Construct {",
        "  readonly vpc: aws.vpc.Vpc;",
        "  constructor(scope: Construct) {",
        '    super(scope, "x");',
        '    this.vpc = new aws.vpc.Vpc(this, "vpc", { cidrBlock: "10.0.0.0/24" });',
        '    new aws.vpcEndpoint.VpcEndpoint(this, "e", { vpcId: this.vpc.id, serviceName: "Vpc" });',
        '    new random.password.Password(this, "p", { length: 16 });',
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("leaves property names, member names and strings alone and expands shorthand properties", () => {
    const src = [
      'import { LambdaFunction, LambdaFunctionConfig } from "@cdktf/provider-aws/lib/lambda-function";',
      "interface P { LambdaFunction: string }",
      "const o = { LambdaFunction };",
      'const p: P = { LambdaFunction: "LambdaFunction" };',
      "const c: Partial<LambdaFunctionConfig> = {};",
      "const t: typeof LambdaFunction = o.LambdaFunction;",
      "export { o, p, c, t };",
      "",
    ].join("\n");
    const r = rewriteToBarrel("y.ts", src, [aws]);
    expect(r.text).toContain("interface P { LambdaFunction: string }");
    expect(r.text).toContain("const o = { LambdaFunction: aws.lambdaFunction.LambdaFunction };");
    expect(r.text).toContain('const p: P = { LambdaFunction: "LambdaFunction" };');
    expect(r.text).toContain("const c: Partial<aws.lambdaFunction.LambdaFunctionConfig> = {};");
    expect(r.text).toContain("const t: typeof aws.lambdaFunction.LambdaFunction = o.LambdaFunction;");
  });

  it("returns files without provider imports unchanged", () => {
    const src = 'import { App } from "cdktf";\nnew App();\n';
    expect(rewriteToBarrel("z.ts", src, [aws])).toEqual({ text: src, imports: 0 });
  });

  it("refuses what it cannot follow", () => {
    expect(() =>
      rewriteToBarrel("a.ts", 'import { Nope } from "@cdktf/provider-aws/lib/nope";\n', [aws]),
    ).toThrow("a.ts: @cdktf/provider-aws/lib/nope is not exported by the @cdktf/provider-aws barrel");
    expect(() =>
      rewriteToBarrel(
        "b.ts",
        'import { Vpc } from "@cdktf/provider-aws/lib/vpc";\nfunction f(Vpc: number) { return Vpc; }\nf(1);\n',
        [aws],
      ),
    ).toThrow('b.ts: local "Vpc" shadows an imported provider class');
    expect(() =>
      rewriteToBarrel("c.ts", 'import { Vpc } from "@cdktf/provider-aws/lib/vpc";\nconst aws = Vpc;\n', [
        aws,
      ]),
    ).toThrow('c.ts: identifier "aws" clashes with the barrel namespace alias');
  });
});

describe("buildBaselineProject", () => {
  let dir: string;
  beforeAll(() => {
    dir = join(mkdtempSync(join(tmpdir(), "bench-test-")), "baseline");
  });
  afterAll(() => rmSync(resolve(dir, ".."), { recursive: true, force: true }));

  it("copies the sources without tests, leaves no deep provider import and links node_modules", () => {
    const b = buildBaselineProject(ROOT, dir);
    expect(b.imports).toBeGreaterThan(20);
    expect(existsSync(join(dir, "main.ts"))).toBe(true);
    expect(existsSync(join(dir, "stacks", "environments", "dev.json"))).toBe(true);
    expect(existsSync(join(dir, "modules", "network", "network.test.ts"))).toBe(false);
    expect(lstatSync(join(dir, "node_modules")).isSymbolicLink()).toBe(true);
    const network = readFileSync(join(dir, "modules", "network", "network.ts"), "utf8");
    expect(network).toContain('import * as aws from "@cdktf/provider-aws";');
    expect(network).toContain("new aws.vpc.Vpc(");
    expect(network).not.toContain("@cdktf/provider-aws/lib/");
    const tsconfig = JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8"));
    expect(tsconfig.compilerOptions.strict).toBe(true);
    expect(tsconfig.compilerOptions.incremental).toBeUndefined();
  });
});

describe("environment copies", () => {
  const template = JSON.parse(readFileSync(join(ROOT, "stacks", "environments", "dev.json"), "utf8"));

  it("differ in name and address space and keep the subnets' offsets", () => {
    const doc = environmentCopy(template, 7) as {
      name: string;
      tags: Record<string, string>;
      network: { vpcCidr: string; publicSubnets: { az: string; cidr: string }[] };
    };
    expect(doc.name).toBe("bench-08");
    expect(doc.tags.Environment).toBe("bench-08");
    expect(doc.network.vpcCidr).toBe("10.7.0.0/24");
    expect(doc.network.publicSubnets.map((s) => s.cidr)).toEqual(["10.7.0.0/25", "10.7.0.128/25"]);
    expect(template.name).toBe("dev");
  });

  it("pass the environment validation under their file name", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-envs-"));
    try {
      const files = writeEnvironments(dir, template, 3);
      expect(files).toEqual(["bench-01.json", "bench-02.json", "bench-03.json"]);
      for (const f of files) {
        const r = validateEnvironment(f, JSON.parse(readFileSync(join(dir, f), "utf8")));
        expect(r.errors).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reject an index outside one octet", () => {
    expect(() => environmentCopy(template, 256)).toThrow("environment index 256 is outside 0..255");
    expect(benchEnvironmentName(31)).toBe("bench-32");
  });
});

describe("stats", () => {
  it("summarizes odd and even series", () => {
    expect(summarize([3, 1, 2])).toMatchObject({ runs: 3, min: 1, median: 2, max: 3, values: [3, 1, 2] });
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
    expect(() => summarize([])).toThrow("summarize: no measurements");
  });

  it("formats and judges", () => {
    expect(formatSeconds(0.423)).toBe("0.42 s");
    expect(formatSeconds(3.14)).toBe("3.1 s");
    expect(formatSeconds(41.4)).toBe("41 s");
    expect(formatKb(512 * 1024)).toBe("512 MB");
    expect(formatKb(1.5 * 1024 * 1024)).toBe("1.50 GB");
    expect(verdict(5, 5)).toBe("PASS");
    expect(verdict(5.01, 5)).toBe("MISS");
  });
});

describe("measuring", () => {
  it("collects the peak RSS of every node process through the preloaded probe", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-probe-"));
    try {
      const probe = writeRssProbe(dir);
      const r = timedRun(
        process.execPath,
        [
          "-e",
          "require('node:child_process').spawnSync(process.execPath, ['-e', 'Buffer.alloc(64 * 1024 * 1024, 1)'])",
        ],
        { cwd: dir, env: process.env, rssProbe: probe },
      );
      expect(r.code).toBe(0);
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.maxRssKb).toBeGreaterThan(64 * 1024);
      expect(r.treeRssKb).toBeGreaterThan(r.maxRssKb!);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses probe reports", () => {
    expect(
      parseRssReports('{"pid":1,"maxRssKb":10,"argv":["a"]}\n\n{"pid":2,"maxRssKb":20,"argv":[]}\n'),
    ).toEqual([
      { pid: 1, maxRssKb: 10, argv: ["a"] },
      { pid: 2, maxRssKb: 20, argv: [] },
    ]);
  });

  it("counts the CPU of waited-for children on Linux", () => {
    if (!existsSync("/proc/self/stat")) return;
    const stop = cpuMeter();
    // spin until the child itself has used 300 ms of CPU, however busy the machine is
    spawnSync(process.execPath, ["-e", "while (process.cpuUsage().user < 300000) {}"]);
    const c = stop();
    expect(c?.own).toBeGreaterThanOrEqual(0.25);
  });
});

function measure(label: string, median: number, cpu?: number): CommandMeasure {
  return {
    label,
    command: label,
    wall: summarize([median, median + 0.2, median - 0.1]),
    cpu: cpu === undefined ? undefined : summarize([cpu]),
    maxRssKb: 200 * 1024,
    treeRssKb: 300 * 1024,
  };
}

function point(environments: number, wall: number, cpu: number): ScalePoint {
  return { environments, stacks: environments + 1, run: measure(`${environments}`, wall, cpu) };
}

describe("report", () => {
  it("computes the added cost per environment and judges flatness by CPU time", () => {
    const pts = [point(2, 2, 2.5), point(8, 5, 5.5), point(32, 17, 17.5)];
    const m = marginalCosts(pts);
    expect(m.map((x) => [x.from, x.to, x.wall, x.cpu])).toEqual([
      [2, 8, 0.5, 0.5],
      [8, 32, 0.5, 0.5],
    ]);
    expect(scaleVerdict(m)).toEqual({ flat: true, growth: 1, basis: "CPU time" });
    const growing = marginalCosts([point(2, 2, 2), point(8, 5, 5), point(32, 41, 41)]);
    expect(scaleVerdict(growing).flat).toBe(false);
  });

  const results: BenchResults = {
    machine: {
      date: "2025-01-01T00:00:00Z",
      cpuModel: "Test CPU",
      cores: 2,
      memoryGb: 8,
      os: "Linux 6",
      node: "v20.0.0",
      terraform: "1.11.4",
      packages: { cdktf: "0.21.0" },
      loadAverage: [1, 1, 1],
    },
    quick: false,
    totalSeconds: 200,
    synth: {
      stacks: ["dev", "prod"],
      resources: 100,
      ours: measure("ours", 2, 2),
      baseline: measure("baseline", 20, 16),
      baselineFiles: 40,
      baselineImports: 60,
      differing: [],
      contention: { wallSeconds: 60, othersCpuSeconds: 60, share: 0.5 },
    },
    unit: { run: measure("unit", 30), suites: 10, tests: 100, failed: 0 },
    plan: {
      stacks: [
        {
          stack: "dev",
          resources: 50,
          cold: { init: 1, validate: 2, plan: 3, show: 1 },
          warm: {
            init: summarize([1]),
            validate: summarize([2]),
            plan: summarize([6]),
            show: summarize([1]),
            total: summarize([10]),
          },
          standIns: 2,
        },
      ],
      errors: [],
    },
    scale: { points: [point(2, 2, 2), point(8, 5, 5), point(32, 17, 17)] },
    errors: [],
  };

  it("renders the README table with a verdict per target", () => {
    const t = readmeTable(results);
    expect(t.split("\n")[0]).toBe("| measure | target | median |  |");
    expect(t).toContain("| ≤ 0.15 | 0.10 (2.0 s vs 20 s) | PASS |");
    expect(t).toContain("| ≤ 1 GB | 200 MB | PASS |");
    expect(t).toContain("| ≤ 60 s | 30 s | PASS |");
    expect(t).toContain("| ≤ 5 s | dev 6.0 s | MISS |");
    expect(t).toContain("| flat | 0.50 s → 0.50 s CPU (wall 0.50 s → 0.50 s) | PASS |");
  });

  it("writes the machine facts, the busy note and every section into the document", () => {
    const doc = benchmarksMarkdown(results);
    expect(doc).toContain("| CPU | Test CPU, 2 cores |");
    expect(doc).toContain("| terraform | 1.11.4 |");
    expect(doc).toContain("**The machine was busy.**");
    expect(doc).toContain("Its Terraform JSON is identical to ours");
    expect(doc).toContain("## Unit test suite");
    expect(doc).toContain("random resource(s) were planned as `terraform_data` stand-ins");
    expect(doc).toContain("## Synth as environments grow");
  });
});
