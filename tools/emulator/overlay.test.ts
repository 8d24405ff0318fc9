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
import {
  environmentForAccount,
  isolationCopyName,
  laneAccountId,
  resourceCount,
  dataApiChecks,
  semaphore,
  standInChecks,
  stateHoldsNoSecret,
  writeScenarioEnvironments,
} from "./scenario";
import { DEFAULT_EMULATOR_ACCOUNT } from "./accounts";
import { invocationResult } from "./migration";
import { nameCollisions, stackNames } from "./names";
import {
  applyProductionDestroyOverride,
  preventDestroyResources,
  productionDestroyOverrideEnv,
} from "./production";
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

  it("keeps every rule's attributes when several rules ignore changes on one resource", () => {
    const doc = stack();
    Object.assign(doc.resource!.aws_rds_cluster.c, {
      enable_http_endpoint: true,
      lifecycle: { ignore_changes: ["final_snapshot_identifier"] },
    });
    const { overrides, workarounds } = applyWorkarounds(doc);
    expect(overrides.aws_rds_cluster.c).toEqual({
      lifecycle: {
        ignore_changes: ["final_snapshot_identifier", "scaling_configuration", "enable_http_endpoint"],
      },
    });
    expect(
      workarounds.filter((w) => w.resource === "aws_rds_cluster.c").map((w) => `${w.kind} ${w.detail}`),
    ).toEqual(["ignore-changes scaling_configuration", "ignore-changes enable_http_endpoint"]);
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

describe("local run of the migration invocation", () => {
  const ctx = {
    endpoint: ENDPOINT,
    region: "ap-northeast-1",
    credentials: { accessKeyId: "AKIAEMULATOR", secretAccessKey: "emulator" },
    databasePort: 54321,
  };
  const withFunction = (): TfJson => {
    const doc = stack();
    Object.assign(doc.resource!.aws_lambda_function.fn, {
      filename: "assets/code/archive.zip",
      handler: "index.handler",
      environment: {
        variables: {
          DB_SECRET_NAME: "${aws_secretsmanager_secret.db.name}",
          DB_SSL_MODE: "verify-full",
          NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
        },
      },
    });
    return doc;
  };

  it("runs the invoked function's package with its environment, the emulator endpoint and the local database", () => {
    const { doc, workarounds } = applyWorkarounds(withFunction(), { localInvocation: ctx });
    const standIn = doc.resource!.terraform_data.emulator_lambda_invocation_run;
    const run = (
      standIn.provisioner as Array<Record<string, { command: string; environment: Record<string, string> }>>
    )[0]["local-exec"];
    expect(run.command).toMatch(/invoke-handler\.cjs" "assets\/code\/archive\.zip" "index\.handler"$/);
    expect(run.environment).toEqual(
      expect.objectContaining({
        DB_SECRET_NAME: "${aws_secretsmanager_secret.db.name}",
        DB_SSL_MODE: "disable",
        AWS_ENDPOINT_URL: ENDPOINT,
        AWS_REGION: "ap-northeast-1",
        AWS_ACCESS_KEY_ID: "AKIAEMULATOR",
        EMULATOR_DB_PORT: "54321",
        EMULATOR_INVOCATION_INPUT: '{"action":"migrate"}',
      }),
    );
    expect(run.environment.NODE_OPTIONS).toMatch(/^--require .*db-redirect\.cjs$/);
    expect(run.environment).not.toHaveProperty("NODE_EXTRA_CA_CERTS");
    expect(workarounds.map((w) => `${w.kind} ${w.resource}`)).toEqual(
      expect.arrayContaining(["stand-in aws_lambda_invocation.run", "local-run aws_lambda_invocation.run"]),
    );
    expect(workarounds.find((w) => w.kind === "local-run")!.detail).toContain("DB_SSL_MODE=disable");
  });

  it("runs a Data API package in its PostgreSQL mode with the master user secret it would sign in with", () => {
    const doc = withFunction();
    const fn = doc.resource!.aws_lambda_function.fn as { environment: { variables: Record<string, string> } };
    Object.assign(fn.environment.variables, {
      DB_CLUSTER_ARN: "${aws_rds_cluster.c.arn}",
      DB_SECRET_ARN: "${aws_rds_cluster.c.master_user_secret[0].secret_arn}",
      DB_NAME: "app",
    });
    const { doc: out, workarounds } = applyWorkarounds(doc, { localInvocation: ctx });
    const run = (
      out.resource!.terraform_data.emulator_lambda_invocation_run.provisioner as Array<
        Record<string, { environment: Record<string, string> }>
      >
    )[0]["local-exec"];
    expect(run.environment).not.toHaveProperty("DB_CLUSTER_ARN");
    expect(run.environment).not.toHaveProperty("DB_SECRET_ARN");
    expect(run.environment).toEqual(
      expect.objectContaining({
        MASTER_USER_SECRET_ID: "${aws_rds_cluster.c.master_user_secret[0].secret_arn}",
        DB_NAME: "app",
      }),
    );
    expect(workarounds.find((w) => w.kind === "local-run")!.detail).toContain("DB_CLUSTER_ARN left out");
    // the package of a function in the VPC keeps its own variables
    const vpc = applyWorkarounds(withFunction(), { localInvocation: ctx });
    expect(vpc.workarounds.find((w) => w.kind === "local-run")!.detail).not.toContain("DB_CLUSTER_ARN");
  });

  it("adds no provisioner without a local database, and refuses an endpoint off 127.0.0.1", () => {
    const plain =
      applyWorkarounds(withFunction()).doc.resource!.terraform_data.emulator_lambda_invocation_run;
    expect(plain).not.toHaveProperty("provisioner");
    expect(() =>
      applyWorkarounds(withFunction(), { localInvocation: { ...ctx, endpoint: "http://10.0.0.1:1" } }),
    ).toThrow(/127\.0\.0\.1/);
  });

  it("reads the handler's result line from terraform's output", () => {
    const out =
      'terraform_data.x (local-exec): EMULATOR INVOCATION RESULT {"applied":["0001"],"vectorCheck":"ok"}\n';
    expect(invocationResult(out)).toEqual({ applied: ["0001"], vectorCheck: "ok" });
    expect(invocationResult("EMULATOR INVOCATION FAILED BootstrapError: x")).toBeUndefined();
  });
});

describe("performance insights workaround", () => {
  it("ignores the Performance Insights settings of instances that turn them on, only those", () => {
    const doc = stack();
    doc.resource!.aws_rds_cluster_instance = {
      on: { performance_insights_enabled: true, performance_insights_retention_period: 7 },
      off: { performance_insights_enabled: false },
    };
    const { overrides } = applyWorkarounds(doc);
    expect(overrides.aws_rds_cluster_instance).toEqual({
      on: {
        lifecycle: {
          ignore_changes: [
            "performance_insights_enabled",
            "performance_insights_kms_key_id",
            "performance_insights_retention_period",
          ],
        },
      },
    });
  });
});

describe("scenario machinery", () => {
  it("runs at most `limit` tasks at a time, all of them", async () => {
    const limit = semaphore(2);
    let active = 0;
    let peak = 0;
    const done = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        limit(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 10));
          active--;
          return n;
        }),
      ),
    );
    expect(done).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(() => semaphore(0)).toThrow(/positive integer/);
  });

  it("gives the first lane moto's default account and every other lane its own", () => {
    expect(laneAccountId(0)).toBe(DEFAULT_EMULATOR_ACCOUNT);
    const others = [1, 2, 3].map(laneAccountId);
    expect(new Set([DEFAULT_EMULATOR_ACCOUNT, ...others]).size).toBe(4);
    for (const id of others) expect(id).toMatch(/^\d{12}$/);
  });

  it("names the isolation copy within the environment name rule", () => {
    expect(isolationCopyName("dev")).toBe("dev-copy");
    expect(isolationCopyName("a-very-long-environment")).toMatch(/^[a-z][a-z0-9-]{0,19}$/);
  });

  it("points an account allow-list at the emulator account and leaves other files alone", () => {
    expect(
      environmentForAccount({ name: "prod", allowedAccountIds: ["111111111111"] }, "210987654321"),
    ).toEqual({
      name: "prod",
      allowedAccountIds: ["210987654321"],
    });
    expect(environmentForAccount({ name: "dev" }, "123456789012")).toEqual({ name: "dev" });
  });

  it("keeps the GitHub deploy roles' account in the allow-list of an environment with an S3 backend", () => {
    const s3 = { name: "prod", allowedAccountIds: ["111111111111"], backend: { type: "s3" } };
    expect(environmentForAccount(s3, "210987654321", "123456789012").allowedAccountIds).toEqual([
      "210987654321",
      "123456789012",
    ]);
    expect(environmentForAccount(s3, "123456789012", "123456789012").allowedAccountIds).toEqual([
      "123456789012",
    ]);
    const local = { ...s3, backend: { type: "local" } };
    expect(environmentForAccount(local, "210987654321", "123456789012").allowedAccountIds).toEqual([
      "210987654321",
    ]);
  });

  it("writes the environment folder with the copy under its own name and Environment tag", () => {
    const src = mkdtempSync(join(tmpdir(), "envs-src-"));
    const out = join(mkdtempSync(join(tmpdir(), "envs-out-")), "environments");
    writeFileSync(
      join(src, "dev.json"),
      JSON.stringify({ name: "dev", tags: { Environment: "dev", Project: "p" } }),
    );
    writeFileSync(join(src, "environment.schema.json"), "{}");
    writeScenarioEnvironments(src, out, { dev: DEFAULT_EMULATOR_ACCOUNT }, { of: "dev", name: "dev-copy" });
    expect(readdirSync(out).sort()).toEqual(["dev-copy.json", "dev.json", "environment.schema.json"]);
    expect(JSON.parse(readFileSync(join(out, "dev-copy.json"), "utf8"))).toEqual({
      name: "dev-copy",
      tags: { Environment: "dev-copy", Project: "p" },
    });
  });
});

describe("secret values and the Data API mode in the checks", () => {
  it("finds a secret value in the state as it is or JSON-escaped, and needs values to look for", () => {
    const state = JSON.stringify({ resources: [{ attributes: { x: 'a"b', y: "plain" } }] });
    expect(stateHoldsNoSecret(state, ["other", "another"]).ok).toBe(true);
    expect(stateHoldsNoSecret(state, ["plain"])).toEqual(
      expect.objectContaining({ ok: false, detail: expect.stringMatching(/^1 of 1 values /) }),
    );
    expect(stateHoldsNoSecret(state, ['a"b']).ok).toBe(false);
    expect(stateHoldsNoSecret(state, []).ok).toBe(false);
    expect(stateHoldsNoSecret(state, ["plain"]).detail).not.toContain("plain");
  });

  it("refuses an interface endpoint, a function in the VPC or a cluster without the Data API", () => {
    const doc: TfJson = {
      resource: {
        aws_rds_cluster: { c: { enable_http_endpoint: true } },
        aws_lambda_function: { f: { function_name: "f" } },
      },
    };
    expect(dataApiChecks(doc, "Apply complete!").every((c) => c.ok)).toBe(true);
    expect(dataApiChecks(doc, "aws_vpc_endpoint.e: Creating...").map((c) => c.ok)).toEqual([
      true,
      false,
      true,
    ]);
    const inVpc = structuredClone(doc);
    (inVpc.resource!.aws_lambda_function.f as Record<string, unknown>).vpc_config = { subnet_ids: [] };
    inVpc.resource!.aws_vpc_endpoint = { e: {} };
    (inVpc.resource!.aws_rds_cluster.c as Record<string, unknown>).enable_http_endpoint = false;
    expect(dataApiChecks(inVpc, "").map((c) => c.ok)).toEqual([false, false, false]);
  });
});

describe("physical names", () => {
  const env = (fn: string, secret: string): TfJson => ({
    resource: {
      aws_lambda_function: { f: { function_name: fn }, b: { function_name: `${fn}-bootstrap` } },
      aws_lambda_invocation: { i: { function_name: "${aws_lambda_function.b.function_name}" } },
      aws_secretsmanager_secret: { s: { name: secret } },
      aws_security_group: { "security_app-sg_1C8E587D": { name: "p-app-sg" } },
      aws_iam_role_policy: { p: { name: "same-everywhere" } },
      aws_rds_cluster: {
        c: {
          cluster_identifier: "p-cluster",
          final_snapshot_identifier: "p-final",
          skip_final_snapshot: false,
        },
      },
      aws_vpc: { v: { tags: { Name: "p", Environment: fn } } },
    },
  });

  it("reads the names the SDK checks look for from the stack", () => {
    const names = stackNames(env("p-dev", "p/db"));
    expect(names).toEqual(
      expect.objectContaining({
        functions: ["p-dev", "p-dev-bootstrap"],
        bootstrapFunction: "p-dev-bootstrap",
        securityGroups: { app: "p-app-sg" },
        secrets: ["p/db"],
        clusterIdentifier: "p-cluster",
        finalSnapshotIdentifier: "p-final",
        vpcTags: { Name: "p", Environment: "p-dev" },
      }),
    );
  });

  it("lists the account-wide names two stacks share, not names scoped to a parent", () => {
    expect(nameCollisions(env("p-dev", "p/db"), env("p-dev2", "p/db"))).toEqual([
      "aws_rds_cluster.cluster_identifier = p-cluster",
      "aws_rds_cluster.final_snapshot_identifier = p-final",
      "aws_secretsmanager_secret.name = p/db",
    ]);
    const distinct = env("q-dev", "q/db");
    (distinct.resource!.aws_rds_cluster.c as Record<string, unknown>).cluster_identifier = "q-cluster";
    (distinct.resource!.aws_rds_cluster.c as Record<string, unknown>).final_snapshot_identifier = "q-final";
    expect(nameCollisions(env("p-dev", "p/db"), distinct)).toEqual([]);
  });
});

describe("production destroy override", () => {
  it("is one synth variable, and turns deletion protection off only where it is on", () => {
    expect(productionDestroyOverrideEnv("prod")).toEqual({ ALLOW_PRODUCTION_DESTROY: "prod" });
    const doc: TfJson = {
      resource: {
        aws_rds_cluster: {
          on: { deletion_protection: true, lifecycle: { prevent_destroy: true } },
          off: { deletion_protection: false },
        },
      },
    };
    const { doc: out, changed } = applyProductionDestroyOverride(doc);
    expect(changed).toEqual(["aws_rds_cluster.on"]);
    expect(out.resource!.aws_rds_cluster.on).toEqual({
      deletion_protection: false,
      lifecycle: { prevent_destroy: true },
    });
    expect(doc.resource!.aws_rds_cluster.on.deletion_protection).toBe(true);
    expect(preventDestroyResources(out)).toEqual(["aws_rds_cluster.on"]);
  });
});
