import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TfJson } from "../offline-plan/standins";
import { OVERRIDE_FILE } from "../offline-plan/offline-plan";
import {
  EMULATED_SERVICES,
  EMULATOR_OVERRIDE_FILE,
  assertEmulatable,
  emulatorOverride,
  prepareEmulatorScratch,
  serviceOf,
} from "./overlay";
import { applyWorkarounds } from "./workarounds";
import { BLACKHOLE_PROXY, emulatorProcessEnv, freePort } from "./moto";
import { resourceCount, standInChecks } from "./scenario";
import { killGroup, spawnTracked, trackedPids } from "./processes";

const ENDPOINT = "http://127.0.0.1:4566";

/** Processes of a process group that are not zombies (Linux /proc). */
function liveMembers(pgid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // state ppid pgrp ...
        return Number(fields[2]) === pgid && fields[0] !== "Z" ? [Number(d)] : [];
      } catch {
        return [];
      }
    });
}

function stack(): TfJson {
  return {
    terraform: {
      required_providers: {
        aws: { source: "aws", version: "5.100.0" },
        random: { source: "hashicorp/random" },
      },
      backend: {
        s3: { bucket: "state", key: "p/dev/dev.tfstate", region: "ap-northeast-1", use_lockfile: true },
      },
    },
    provider: { aws: [{ region: "ap-northeast-1" }], random: [{}] },
    resource: {
      random_password: { pw: { length: 32 } },
      aws_lambda_function: {
        fn: {
          function_name: "f",
          logging_config: { log_format: "JSON" },
          lifecycle: { ignore_changes: ["tags"] },
        },
      },
      aws_lambda_invocation: {
        run: {
          function_name: "${aws_lambda_function.fn.function_name}",
          input: '{"action":"migrate"}',
          triggers: { code: "abc" },
          depends_on: ["aws_lambda_function.fn"],
        },
      },
      terraform_data: {
        after: { input: "${aws_lambda_invocation.run.result}", depends_on: ["aws_lambda_invocation.run"] },
      },
      aws_rds_cluster: { c: { master_password: "${random_password.pw.result}" } },
      aws_vpc_security_group_ingress_rule: {
        from_sg: { referenced_security_group_id: "${aws_security_group.a.id}", description: "d" },
        from_cidr: { cidr_ipv4: "203.0.113.10/32", description: "d" },
      },
      aws_security_group: { a: { name: "a" } },
      aws_s3_bucket_lifecycle_configuration: {
        l: {
          rule: [
            {
              id: "r",
              noncurrent_version_expiration: [{ noncurrent_days: 90, newer_noncurrent_versions: 10 }],
            },
          ],
        },
      },
    },
  };
}

describe("emulator override", () => {
  it("points every service of the aws provider at the emulator, with placeholder keys and path-style S3", () => {
    const o = emulatorOverride({ endpoint: ENDPOINT, backend: { type: "local" } }) as {
      provider: { aws: Array<Record<string, unknown>> };
      terraform: { backend: Record<string, unknown> };
    };
    const aws = o.provider.aws[0];
    const endpoints = (aws.endpoints as Array<Record<string, string>>)[0];
    expect(Object.keys(endpoints).sort()).toEqual([...EMULATED_SERVICES].sort());
    expect(new Set(Object.values(endpoints))).toEqual(new Set([ENDPOINT]));
    for (const s of [
      "ec2",
      "rds",
      "secretsmanager",
      "lambda",
      "apigatewayv2",
      "iam",
      "logs",
      "s3",
      "kms",
      "sts",
    ])
      expect(endpoints[s]).toBe(ENDPOINT);
    expect(aws).toMatchObject({
      s3_use_path_style: true,
      skip_credentials_validation: true,
      skip_metadata_api_check: true,
      skip_region_validation: true,
    });
    expect(o.terraform.backend).toEqual({ local: { path: "terraform.tfstate" } });
  });

  it("puts the S3 backend in the emulator's S3 with the lock file", () => {
    const o = emulatorOverride({
      endpoint: ENDPOINT,
      backend: { type: "s3", bucket: "state", key: "p/dev/dev.tfstate", region: "ap-northeast-1" },
    }) as { terraform: { backend: { s3: Record<string, unknown> } } };
    expect(o.terraform.backend.s3).toMatchObject({
      bucket: "state",
      key: "p/dev/dev.tfstate",
      use_lockfile: true,
      use_path_style: true,
      encrypt: true,
      endpoints: { s3: ENDPOINT, sts: ENDPOINT, iam: ENDPOINT },
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
    });
  });

  it("refuses an endpoint that is not on 127.0.0.1", () => {
    for (const endpoint of ["http://localhost:4566", "https://s3.amazonaws.com", "http://10.0.0.1:4566"])
      expect(() => emulatorOverride({ endpoint, backend: { type: "local" } })).toThrow(
        /must be http:\/\/127\.0\.0\.1/,
      );
  });

  it("refuses resource types and data sources it has no endpoint for", () => {
    expect(serviceOf("aws_vpc_security_group_ingress_rule")).toBe("ec2");
    expect(serviceOf("aws_cloudwatch_log_group")).toBe("logs");
    expect(serviceOf("aws_db_subnet_group")).toBe("rds");
    expect(() => assertEmulatable({ resource: { aws_bedrock_guardrail: { g: {} } } })).toThrow(
      /no endpoint for aws_bedrock_guardrail/,
    );
    expect(() => assertEmulatable({ data: { aws_caller_identity: { me: {} } } } as TfJson)).toThrow(
      /data\.aws_caller_identity/,
    );
  });
});

describe("emulator workarounds", () => {
  it("swaps aws_lambda_invocation for an announced terraform_data stand-in and rewrites references", () => {
    const { doc, workarounds } = applyWorkarounds(stack());
    const r = doc.resource!;
    expect(r.aws_lambda_invocation).toBeUndefined();
    const standIn = r.terraform_data.emulator_lambda_invocation_run;
    expect(standIn).toEqual({
      input: {
        function_name: "${aws_lambda_function.fn.function_name}",
        input: '{"action":"migrate"}',
        result: "{}",
      },
      triggers_replace: { code: "abc" },
      depends_on: ["aws_lambda_function.fn"],
    });
    expect(r.terraform_data.after).toEqual({
      input: "${terraform_data.emulator_lambda_invocation_run.output.result}",
      depends_on: ["terraform_data.emulator_lambda_invocation_run"],
    });
    expect(workarounds).toContainEqual(
      expect.objectContaining({
        kind: "stand-in",
        resource: "aws_lambda_invocation.run",
        detail: "terraform_data.emulator_lambda_invocation_run",
      }),
    );
  });

  it("ignores only the attributes the emulator does not round-trip, keeping each resource's own ignore_changes", () => {
    const { overrides, workarounds } = applyWorkarounds(stack());
    expect(overrides.aws_lambda_function.fn).toEqual({
      lifecycle: { ignore_changes: ["tags", "logging_config"] },
    });
    expect(overrides.aws_rds_cluster.c).toEqual({ lifecycle: { ignore_changes: ["scaling_configuration"] } });
    expect(overrides.aws_vpc_security_group_ingress_rule).toEqual({
      from_sg: { lifecycle: { ignore_changes: ["description"] } },
    });
    expect(
      workarounds
        .filter((w) => w.kind === "ignore-changes")
        .map((w) => w.resource)
        .sort(),
    ).toEqual(["aws_lambda_function.fn", "aws_rds_cluster.c", "aws_vpc_security_group_ingress_rule.from_sg"]);
  });

  it("drops newer_noncurrent_versions from the lifecycle rule, and says so", () => {
    const { doc, workarounds } = applyWorkarounds(stack());
    const rule = (
      doc.resource!.aws_s3_bucket_lifecycle_configuration.l.rule as Array<Record<string, unknown>>
    )[0];
    expect(rule.noncurrent_version_expiration).toEqual([{ noncurrent_days: 90 }]);
    expect(workarounds).toContainEqual(
      expect.objectContaining({
        kind: "drop-argument",
        detail: "rule[0].noncurrent_version_expiration[0].newer_noncurrent_versions",
      }),
    );
  });

  it("leaves the input document untouched", () => {
    const input = stack();
    const copy = structuredClone(input);
    applyWorkarounds(input);
    expect(input).toEqual(copy);
  });
});

describe("emulator scratch copy", () => {
  it("writes the stand-ins, the workarounds and the emulator override instead of the offline one", () => {
    const root = mkdtempSync(join(tmpdir(), "emulator-overlay-"));
    const stackDir = join(root, "stack");
    mkdirSync(stackDir);
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(stack()));
    const work = join(root, "work");
    const scratch = prepareEmulatorScratch(stackDir, work, {
      endpoint: ENDPOINT,
      backend: { type: "s3", bucket: "state", key: "p/dev/dev.tfstate", region: "ap-northeast-1" },
    });
    expect(scratch.standIns.map((s) => s.original)).toEqual(["random_password.pw"]);
    expect(existsSync(join(work, OVERRIDE_FILE))).toBe(false);
    const override = JSON.parse(readFileSync(join(work, EMULATOR_OVERRIDE_FILE), "utf8")) as {
      resource: Record<string, unknown>;
      terraform: { backend: { s3: { endpoints: { s3: string } } } };
    };
    expect(override.terraform.backend.s3.endpoints.s3).toBe(ENDPOINT);
    expect(Object.keys(override.resource).sort()).toEqual([
      "aws_lambda_function",
      "aws_rds_cluster",
      "aws_vpc_security_group_ingress_rule",
    ]);
    const main = readFileSync(join(work, "cdk.tf.json"), "utf8");
    expect(main).not.toMatch(/random_password\.|aws_lambda_invocation\./);
    expect(main).not.toContain('"backend"');
  });
});

describe("emulator processes", () => {
  it("never hand real AWS settings to terraform or moto, and send other traffic to a dead proxy", () => {
    const env = emulatorProcessEnv(
      { EXTRA: "1" },
      {
        PATH: "/bin",
        AWS_PROFILE: "prod",
        AWS_SESSION_TOKEN: "t",
        AWS_ENDPOINT_URL: "https://example.com",
        https_proxy: "http://corp:3128",
      },
    );
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
    expect(env.AWS_ENDPOINT_URL).toBeUndefined();
    expect(env.https_proxy).toBeUndefined();
    expect(env).toMatchObject({
      PATH: "/bin",
      EXTRA: "1",
      HTTPS_PROXY: BLACKHOLE_PROXY,
      HTTP_PROXY: BLACKHOLE_PROXY,
      NO_PROXY: "127.0.0.1,localhost",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    });
    expect(BLACKHOLE_PROXY).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it("finds a free port on 127.0.0.1", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1024);
  });

  it("reads resource counts from terraform's summary lines", () => {
    expect(resourceCount("Apply complete! Resources: 65 added, 0 changed, 0 destroyed.", "added")).toBe(65);
    expect(resourceCount("Destroy complete! Resources: 65 destroyed.", "destroyed")).toBe(65);
    expect(resourceCount("nothing", "added")).toBe(-1);
  });

  it("kills a tracked child's whole process group", async () => {
    const child = spawnTracked("sh", ["-c", "sleep 30 & wait"], { stdio: "ignore" });
    const pid = child.pid!;
    expect(trackedPids()).toContain(pid);
    const exited = new Promise((done) => child.once("exit", done));
    await new Promise((r) => setTimeout(r, 100));
    killGroup(pid, "SIGKILL");
    await exited;
    expect(trackedPids()).not.toContain(pid);
    await new Promise((r) => setTimeout(r, 100));
    expect(liveMembers(pid)).toEqual([]); // the backgrounded sleep went with it
  });
});

describe("stand-in check", () => {
  const { doc, workarounds } = applyWorkarounds(stack());
  const state = (dependencies: string[], functionName = "f") => ({
    resources: [
      {
        mode: "managed",
        type: "aws_lambda_function",
        name: "fn",
        instances: [{ attributes: { function_name: "f" } }],
      },
      {
        mode: "managed",
        type: "terraform_data",
        name: "emulator_lambda_invocation_run",
        instances: [
          {
            attributes: {
              output: {
                value: { function_name: functionName, input: '{"action":"migrate"}', result: "{}" },
                type: ["object", { function_name: "string", input: "string", result: "string" }],
              },
            },
            dependencies,
          },
        ],
      },
    ],
  });

  it("passes when the stand-in names the real function and kept its dependencies", () => {
    const [check] = standInChecks(state(["aws_lambda_function.fn"]), doc, workarounds);
    expect(check).toMatchObject({
      ok: true,
      name: expect.stringContaining("stands in for aws_lambda_invocation.run"),
    });
  });

  it("fails when a dependency or the function is missing", () => {
    expect(standInChecks(state([]), doc, workarounds)[0]).toMatchObject({
      ok: false,
      detail: expect.stringContaining("missing dependencies aws_lambda_function.fn"),
    });
    expect(standInChecks(state(["aws_lambda_function.fn"], "other"), doc, workarounds)[0].ok).toBe(false);
    expect(standInChecks({ resources: [] }, doc, workarounds)[0]).toMatchObject({
      ok: false,
      detail: "not in state",
    });
  });
});
