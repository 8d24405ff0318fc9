import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../modules/core";
import { evaluatePlan, exceptionMatches, formatReport } from "./evaluate";
import { change, plan } from "./fixtures/builders";
import { PlanFormatError } from "./plan";
import { RULES } from "./rules";
import {
  checkovSkipsSchema,
  contextFromEnvironment,
  defaultContext,
  policyExceptionsSchema,
  policySettingsSchema,
} from "./schema";

/** A plan with one critical finding (world-open SSH), one medium (missing tag) and one high (bucket replaced). */
const mixed = plan([
  change("aws_security_group", "sg", { name: "app", ingress: [], tags_all: { Project: "p" } }),
  change("aws_vpc_security_group_ingress_rule", "ssh", {
    cidr_ipv4: "0.0.0.0/0",
    from_port: 22,
    to_port: 22,
    ip_protocol: "tcp",
  }),
  change(
    "aws_s3_bucket",
    "logs",
    { bucket: "logs", tags_all: { Project: "p" } },
    { actions: ["delete", "create"] },
  ),
  change("aws_s3_bucket_versioning", "v", {
    bucket: "logs",
    versioning_configuration: [{ status: "Enabled" }],
  }),
  change("aws_s3_bucket_server_side_encryption_configuration", "e", {
    bucket: "logs",
    rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: "AES256" }] }],
  }),
  change("aws_s3_bucket_public_access_block", "b", {
    bucket: "logs",
    block_public_acls: true,
    block_public_policy: true,
    ignore_public_acls: true,
    restrict_public_buckets: true,
  }),
]);
const ctx = defaultContext({ environment: "dev", requiredTags: ["Project", "Owner"] });

describe("evaluatePlan", () => {
  it("sorts findings into failed (>= failOn) and warnings, and lists passed rules", () => {
    const r = evaluatePlan(mixed, ctx);
    expect(r.ok).toBe(false);
    expect(r.failOn).toBe("high");
    expect(r.failed.map((f) => [f.rule, f.address])).toEqual([
      ["HRC-NET-001", "aws_vpc_security_group_ingress_rule.ssh"],
      ["HRC-CHG-001", "aws_s3_bucket.logs"],
    ]);
    expect(r.warnings.map((f) => f.rule)).toEqual(["HRC-TAG-001", "HRC-TAG-001"]);
    expect(r.passedRules).toEqual(
      RULES.map((rule) => rule.id).filter(
        (id) => !["HRC-NET-001", "HRC-CHG-001", "HRC-TAG-001"].includes(id),
      ),
    );
    expect(r.resourceCount).toBe(6);
  });

  it("fails on medium findings when failOn is medium, and passes when only warnings remain", () => {
    expect(evaluatePlan(mixed, ctx, { failOn: "medium" }).failed).toHaveLength(4);
    expect(evaluatePlan(mixed, ctx, { failOn: "critical" }).failed.map((f) => f.rule)).toEqual([
      "HRC-NET-001",
    ]);
  });

  it("applies exceptions by rule, by address and by instance prefix, and reports unused ones", () => {
    const r = evaluatePlan(mixed, {
      ...ctx,
      exceptions: [
        {
          rule: "HRC-NET-001",
          address: "aws_vpc_security_group_ingress_rule.ssh",
          reason: "bastion reached from anywhere during the migration",
        },
        { rule: "HRC-CHG-001", reason: "log bucket is recreated by design, nothing in it is kept" },
        { rule: "HRC-NET-002", reason: "no longer needed but kept for the demo" },
      ],
    });
    expect(r.ok).toBe(true);
    expect(r.failed).toEqual([]);
    expect(r.excepted.map((f) => [f.rule, f.status, f.exception?.reason])).toEqual([
      ["HRC-NET-001", "excepted", "bastion reached from anywhere during the migration"],
      ["HRC-CHG-001", "excepted", "log bucket is recreated by design, nothing in it is kept"],
    ]);
    expect(r.unusedExceptions.map((e) => e.rule)).toEqual(["HRC-NET-002"]);
    expect(
      exceptionMatches(
        { rule: "HRC-S3-001", address: "aws_s3_bucket.logs", reason: "0123456789" },
        { rule: "HRC-S3-001", severity: "high", title: "", address: 'aws_s3_bucket.logs["a"]', message: "" },
      ),
    ).toBe(true);
    expect(
      exceptionMatches(
        { rule: "HRC-S3-001", address: "aws_s3_bucket.logs", reason: "0123456789" },
        { rule: "HRC-S3-001", severity: "high", title: "", address: "aws_s3_bucket.logs2", message: "" },
      ),
    ).toBe(false);
  });

  it("rejects an exception for an unknown rule or without a real reason", () => {
    const bad = (exceptions: unknown) => () =>
      evaluatePlan(mixed, { ...ctx, exceptions: exceptions as typeof ctx.exceptions });
    expect(bad([{ rule: "HRC-XYZ-001", reason: "because it is fine" }])).toThrow(
      new ConfigError(
        "policy.exceptions[0].rule",
        "HRC-XYZ-001",
        `is not a policy rule id (known: ${RULES.map((r) => r.id).join(", ")})`,
      ),
    );
    expect(bad([{ rule: "HRC-NET-001", reason: "ok" }])).toThrow(
      'policy.exceptions[0].reason "ok" must say why (at least 10 characters)',
    );
  });

  it("rejects input that is not a plan", () => {
    expect(() => evaluatePlan({ format_version: "0.2" }, ctx)).toThrow(PlanFormatError);
    expect(() => evaluatePlan({ format_version: "0.2" }, ctx)).toThrow(
      "not a Terraform plan in JSON format 1.x: plan.format_version must be 1.x (terraform show -json of a plan)",
    );
    expect(() => evaluatePlan({ format_version: "1.0", values: {} }, ctx)).toThrow("this is a state");
    expect(() => evaluatePlan("nope", ctx)).toThrow(PlanFormatError);
    expect(() => evaluatePlan({ format_version: "1.2", resource_changes: [{ address: "x" }] }, ctx)).toThrow(
      /plan\.resource_changes\[0\]\.mode/,
    );
  });

  it("passes an empty plan", () => {
    const r = evaluatePlan({ format_version: "1.2" }, ctx);
    expect(r.ok).toBe(true);
    expect(r.passedRules).toHaveLength(RULES.length);
  });
});

describe("formatReport", () => {
  it("lists failures, warnings grouped by message, exceptions with their reason, and the result", () => {
    const text = formatReport(
      evaluatePlan(mixed, {
        ...ctx,
        exceptions: [{ rule: "HRC-CHG-001", reason: "log bucket is recreated by design" }],
      }),
    );
    expect(text).toContain("Policy review: environment dev, 6 resource changes, failing on high and above");
    expect(text).toContain(
      "FAILED (1):\n  CRITICAL HRC-NET-001  aws_vpc_security_group_ingress_rule.ssh\n      allows port 22/tcp from 0.0.0.0/0",
    );
    expect(text).toContain(
      "Warnings (2):\n  MEDIUM   HRC-TAG-001  2 resources: aws_security_group.sg, aws_s3_bucket.logs\n" +
        "      missing required tag Owner (has Project)",
    );
    expect(text).toContain("Excepted (1):\n  HIGH     HRC-CHG-001  aws_s3_bucket.logs");
    expect(text).toContain("      excepted (log bucket is recreated by design)");
    expect(text).toMatch(/Result: FAIL \(1 finding\(s\) at high or above\)$/);
  });

  it("says PASS and shows notes", () => {
    const p = plan([
      change("aws_vpc_security_group_ingress_rule", "i", {
        cidr_ipv4: "203.0.113.10/32",
        from_port: 5432,
        to_port: 5432,
        ip_protocol: "tcp",
      }),
    ]);
    const text = formatReport(
      evaluatePlan(
        p,
        defaultContext({ environment: "dev", allowedIngress: [{ port: 5432, cidr: "203.0.113.10/32" }] }),
      ),
    );
    expect(text).toContain(
      "Allowed by the environment:\n  HRC-NET-002  aws_vpc_security_group_ingress_rule.i: port 5432/tcp from 203.0.113.10/32 is in the allowed ingress",
    );
    expect(text).toMatch(/Result: PASS \(0 warning\(s\), 0 excepted\)$/);
  });
});

describe("environment settings", () => {
  it("builds the context from an environment file, defensively", () => {
    const env = {
      name: "dev",
      production: false,
      database: { publiclyAccessible: true },
      security: { developerCidrs: ["203.0.113.10/32", 42] },
      tags: { Project: "hr-chatbot", Environment: "dev" },
      policy: {
        exceptions: [{ rule: "HRC-TAG-001", reason: "dev resources carry no Owner tag yet" }],
        requiredTags: ["Owner"],
        allowedIngress: [{ port: 443, cidr: "0.0.0.0/0", reason: "public HTTPS listener" }],
      },
    };
    expect(contextFromEnvironment(env)).toEqual({
      environment: "dev",
      production: false,
      allowedIngress: [
        { port: 5432, cidr: "203.0.113.10/32" },
        { port: 443, cidr: "0.0.0.0/0" },
      ],
      requiredTags: ["Project", "Environment", "Owner"],
      exceptions: [{ rule: "HRC-TAG-001", reason: "dev resources carry no Owner tag yet" }],
    });
    expect(contextFromEnvironment({ name: "prod" })).toMatchObject({ production: true });
    // production is decided by the name as well as the flag, as synth decides it
    expect(contextFromEnvironment({ name: "prod", production: false }).production).toBe(true);
    expect(contextFromEnvironment({ name: "staging", production: true }).production).toBe(true);
    expect(contextFromEnvironment(undefined)).toEqual(defaultContext());
    expect(
      contextFromEnvironment({ database: { port: 6543 }, security: { developerCidrs: ["198.51.100.1/32"] } })
        .allowedIngress,
    ).toEqual([{ port: 6543, cidr: "198.51.100.1/32" }]);
  });

  it("rejects an invalid policy section with the field path", () => {
    expect(() =>
      contextFromEnvironment({ policy: { exceptions: [{ rule: "DB-1", reason: "long enough reason" }] } }),
    ).toThrow('policy.exceptions[0].rule "DB-1" must be a policy rule id such as HRC-DB-001');
    expect(() => contextFromEnvironment({ policy: { exceptions: [{ rule: "HRC-DB-001" }] } })).toThrow(
      /^policy\.exceptions\[0\]\.reason \(unset\)/,
    );
    expect(() =>
      contextFromEnvironment({
        policy: { allowedIngress: [{ port: 443, cidr: "nowhere", reason: "public HTTPS" }] },
      }),
    ).toThrow('policy.allowedIngress[0].cidr "nowhere" must be an IPv4 or IPv6 CIDR');
    expect(() => contextFromEnvironment({ policy: { unknownKey: true } })).toThrow(/^policy/);
  });

  it("exports schemas for the environment file", () => {
    expect(
      policyExceptionsSchema.safeParse([
        { rule: "HRC-S3-001", address: "aws_s3_bucket.x", reason: "access logs bucket" },
      ]).success,
    ).toBe(true);
    expect(policyExceptionsSchema.safeParse([{ rule: "HRC-S3-001", reason: "short" }]).success).toBe(false);
    expect(policyExceptionsSchema.safeParse([{ rule: "HRC-S3-001", reason: "          x" }]).success).toBe(
      false,
    );
    expect(
      checkovSkipsSchema.safeParse([{ id: "CKV_AWS_158", reason: "log groups use the AWS owned key" }])
        .success,
    ).toBe(true);
    expect(
      checkovSkipsSchema.safeParse([
        { id: "CKV2_AWS_57", resource: "aws_secretsmanager_secret.app", reason: "static JWT key" },
      ]).success,
    ).toBe(true);
    expect(
      checkovSkipsSchema.safeParse([{ id: "AWS_158", reason: "log groups use the AWS owned key" }]).success,
    ).toBe(false);
    expect(policySettingsSchema.parse({})).toEqual({
      exceptions: [],
      checkovSkips: [],
      requiredTags: [],
      allowedIngress: [],
    });
  });
});

describe("README", () => {
  it("documents every rule with its id and severity", () => {
    const readme = readFileSync(join(__dirname, "README.md"), "utf8");
    for (const rule of RULES) expect(readme).toContain(`| ${rule.id} | ${rule.severity} | ${rule.title} |`);
  });
});
