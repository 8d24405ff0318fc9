import { change, lit, plan, tpl, type ChangeSpec, type PlanOptions } from "./fixtures/builders";
import { PRODUCTION_UNWAIVABLE_RULES } from "../../stacks/config/production";
import { PlanView } from "./plan";
import { RULES } from "./rules";
import {
  apiStageAccessLogs,
  bucketEncrypted,
  bucketPublicAccessBlocked,
  bucketVersioned,
  endpointPrivateDns,
  lambdaLogGroup,
  noBroadManagedPolicies,
  noUnlistedPublicIngress,
  noWildcardPolicies,
  noWorldIngress,
  requiredTags,
  statefulChangeReview,
} from "./rules";
import { defaultContext } from "./schema";
import type { PolicyContext, Rule } from "./types";

function run(rule: Rule, changes: ChangeSpec[], ctx: Partial<PolicyContext> = {}, options: PlanOptions = {}) {
  const view = PlanView.parse(plan(changes, options));
  const findings = rule.check(view, defaultContext(ctx));
  for (const f of findings) {
    expect(f.rule).toBe(rule.id);
    expect(f.severity).toBe(rule.severity);
  }
  return { findings, notes: view.notes, messages: findings.map((f) => `${f.address}: ${f.message}`) };
}

describe("HRC-NET-001 / HRC-NET-002 ingress", () => {
  const rule = (name: string, after: Record<string, unknown>, extra: Partial<ChangeSpec> = {}) =>
    change("aws_vpc_security_group_ingress_rule", name, { ip_protocol: "tcp", ...after }, extra);

  it("fails ingress from 0.0.0.0/0 and ::/0", () => {
    const r = run(noWorldIngress, [
      rule("pg", { cidr_ipv4: "0.0.0.0/0", from_port: 5432, to_port: 5432 }),
      rule("v6", { cidr_ipv6: "::/0", from_port: 22, to_port: 22 }),
    ]);
    expect(r.messages).toEqual([
      "aws_vpc_security_group_ingress_rule.pg: allows port 5432/tcp from 0.0.0.0/0 (the whole internet); not in " +
        "the environment's allowed ingress (security.developerCidrs / policy.allowedIngress)",
      "aws_vpc_security_group_ingress_rule.v6: allows port 22/tcp from ::/0 (the whole internet); not in the " +
        "environment's allowed ingress (security.developerCidrs / policy.allowedIngress)",
    ]);
  });

  it("reads aws_security_group ingress blocks and aws_security_group_rule", () => {
    const r = run(noWorldIngress, [
      change("aws_security_group", "sg", {
        ingress: [
          {
            cidr_blocks: ["10.0.0.0/16"],
            ipv6_cidr_blocks: [],
            from_port: 443,
            to_port: 443,
            protocol: "tcp",
          },
          { cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: [], from_port: 0, to_port: 0, protocol: "-1" },
        ],
      }),
      change("aws_security_group_rule", "in", {
        type: "ingress",
        cidr_blocks: ["0.0.0.0/0"],
        from_port: 80,
        to_port: 90,
        protocol: "tcp",
      }),
      change("aws_security_group_rule", "out", {
        type: "egress",
        cidr_blocks: ["0.0.0.0/0"],
        from_port: 0,
        to_port: 0,
        protocol: "-1",
      }),
    ]);
    expect(r.findings.map((f) => f.address)).toEqual(["aws_security_group_rule.in", "aws_security_group.sg"]);
    expect(r.messages[0]).toMatch(/allows ports 80-90\/tcp from 0.0.0.0\/0/);
    expect(r.messages[1]).toMatch(/ingress\[1\] allows all ports and protocols from 0.0.0.0\/0/);
  });

  it("passes world ingress listed in the allowed ingress, only for that single port", () => {
    const allowed = { allowedIngress: [{ port: 443, cidr: "0.0.0.0/0" }] };
    const single = run(
      noWorldIngress,
      [rule("https", { cidr_ipv4: "0.0.0.0/0", from_port: 443, to_port: 443 })],
      allowed,
    );
    expect(single.findings).toEqual([]);
    expect(single.notes[0]).toMatchObject({
      kind: "info",
      message: "port 443/tcp from 0.0.0.0/0 is in the allowed ingress",
    });
    const range = run(
      noWorldIngress,
      [rule("wide", { cidr_ipv4: "0.0.0.0/0", from_port: 0, to_port: 65535 })],
      allowed,
    );
    expect(range.findings).toHaveLength(1);
  });

  it("passes rules from the group itself or private ranges, and notes unknown sources", () => {
    const r = run(noWorldIngress, [
      rule(
        "self",
        { cidr_ipv4: null, from_port: 5432, to_port: 5432 },
        { unknown: { referenced_security_group_id: true } },
      ),
      rule("vpc", { cidr_ipv4: "10.0.0.0/24", from_port: 5432, to_port: 5432 }),
      rule(
        "later",
        { from_port: 5432, to_port: 5432 },
        { unknown: { cidr_ipv4: true }, config: { cidr_ipv4: tpl("${aws_vpc.other.cidr_block}") } },
      ),
    ]);
    expect(r.findings).toEqual([]);
    expect(r.notes.map((n) => n.message)).toEqual([
      "ingress source depends on aws_vpc.other.cidr_block, known only after apply; not checked",
    ]);
  });

  it("HRC-NET-002 fails a public /32 not listed, passes it when listed as a developer CIDR", () => {
    const dev = rule("dev", { cidr_ipv4: "203.0.113.10/32", from_port: 5432, to_port: 5432 });
    expect(run(noUnlistedPublicIngress, [dev]).messages).toEqual([
      "aws_vpc_security_group_ingress_rule.dev: allows port 5432/tcp from 203.0.113.10/32 (a public address range); " +
        "not in the environment's allowed ingress (security.developerCidrs / policy.allowedIngress)",
    ]);
    const listed = run(noUnlistedPublicIngress, [dev], {
      allowedIngress: [{ port: 5432, cidr: "203.0.113.10/32" }],
    });
    expect(listed.findings).toEqual([]);
    // The same CIDR on another port is not covered.
    const otherPort = rule("ssh", { cidr_ipv4: "203.0.113.10/32", from_port: 22, to_port: 22 });
    expect(
      run(noUnlistedPublicIngress, [otherPort], { allowedIngress: [{ port: 5432, cidr: "203.0.113.10/32" }] })
        .findings,
    ).toHaveLength(1);
  });

  it("HRC-NET-002 leaves private ranges and world-open rules (HRC-NET-001's) alone", () => {
    const r = run(noUnlistedPublicIngress, [
      rule("vpc", { cidr_ipv4: "10.0.0.0/24", from_port: 5432, to_port: 5432 }),
      rule("cgnat", { cidr_ipv4: "100.64.0.0/16", from_port: 5432, to_port: 5432 }),
      rule("ula", { cidr_ipv6: "fd00::/8", from_port: 5432, to_port: 5432 }),
      rule("world", { cidr_ipv4: "0.0.0.0/0", from_port: 5432, to_port: 5432 }),
    ]);
    expect(r.findings).toEqual([]);
  });
});

describe("HRC-NET-003 interface endpoints have private DNS", () => {
  const endpoint = (name: string, after: Record<string, unknown>, extra: Partial<ChangeSpec> = {}) =>
    change(
      "aws_vpc_endpoint",
      name,
      { service_name: `com.amazonaws.ap-northeast-1.${name}`, ...after },
      extra,
    );

  it("fails an interface endpoint with private DNS off or unset", () => {
    const r = run(endpointPrivateDns, [
      endpoint("secretsmanager", { vpc_endpoint_type: "Interface", private_dns_enabled: false }),
      endpoint(
        "bedrock-runtime",
        { vpc_endpoint_type: "Interface" },
        { unknown: { private_dns_enabled: true } },
      ),
    ]);
    expect(r.messages).toEqual([
      "aws_vpc_endpoint.secretsmanager: private_dns_enabled is false on interface endpoint " +
        "com.amazonaws.ap-northeast-1.secretsmanager; set it to true",
      "aws_vpc_endpoint.bedrock-runtime: private_dns_enabled is not set (default false) on interface endpoint " +
        "com.amazonaws.ap-northeast-1.bedrock-runtime; set it to true",
    ]);
  });

  it("passes interface endpoints with private DNS and gateway endpoints", () => {
    const r = run(endpointPrivateDns, [
      endpoint("secretsmanager", { vpc_endpoint_type: "Interface", private_dns_enabled: true }),
      endpoint("s3", { vpc_endpoint_type: "Gateway", private_dns_enabled: false }),
    ]);
    expect(r.findings).toEqual([]);
  });
});

describe("HRC-IAM-001 no wildcard policies", () => {
  const known = (name: string, doc: unknown) =>
    change("aws_iam_role_policy", name, { policy: JSON.stringify(doc) });
  /** A policy whose after value is unknown; only the configuration's JSON template shows it. */
  const configured = (name: string, doc: unknown, template = JSON.stringify(doc)) =>
    change("aws_iam_role_policy", name, {}, { unknown: { policy: true }, config: { policy: tpl(template) } });

  it('fails Action "*" in a known policy document', () => {
    const r = run(noWildcardPolicies, [
      known("admin", { Version: "2012-10-17", Statement: { Effect: "Allow", Action: "*", Resource: "*" } }),
    ]);
    expect(r.messages).toEqual([
      'aws_iam_role_policy.admin: policy Statement[0] allows Action "*" (every AWS action)',
      'aws_iam_role_policy.admin: policy Statement[0] allows * on Resource "*"; scope it to the ARNs of the secrets, keys or models actually used',
    ]);
  });

  it('fails Resource "*" for secretsmanager read in a policy only known from the configuration', () => {
    const r = run(noWildcardPolicies, [
      configured("read", {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: "*" },
          { Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["${aws_kms_key.key.arn}"] },
        ],
      }),
    ]);
    expect(r.messages).toEqual([
      'aws_iam_role_policy.read: policy Statement[0] allows secretsmanager:GetSecretValue on Resource "*"; scope it to the ARNs of the secrets, keys or models actually used',
    ]);
  });

  it('fails "service:*" actions for kms, bedrock, secretsmanager and account-wide ARNs', () => {
    const wide = {
      Statement: [
        { Effect: "Allow", Action: "kms:*", Resource: ["${aws_kms_key.key.arn}"] },
        {
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: "arn:${PARTITION}:secretsmanager:*:*:secret:*",
        },
        {
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: "arn:aws:secretsmanager:*:*:secret:*",
        },
      ],
    };
    // as synthesized: the quotes of an interpolation's own strings are not JSON-escaped
    const template = JSON.stringify(wide).replace("PARTITION", 'element(split(":", aws_kms_key.key.arn), 1)');
    const r = run(noWildcardPolicies, [configured("wide", wide, template)]);
    expect(r.messages).toEqual([
      'aws_iam_role_policy.wide: policy Statement[0] allows Action "kms:*" (every kms action); list the actions needed',
      'aws_iam_role_policy.wide: policy Statement[2] allows secretsmanager:GetSecretValue on Resource "arn:aws:secretsmanager:*:*:secret:*"; scope it to the ARNs of the secrets, keys or models actually used',
    ]);
  });

  it("passes listed actions on referenced ARNs, Deny statements, and wildcards on other services", () => {
    const r = run(noWildcardPolicies, [
      configured("scoped", {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: ["${aws_secretsmanager_secret.db.arn}"],
          },
          {
            Effect: "Allow",
            Action: ["bedrock:InvokeModel"],
            Resource: ["arn:aws:bedrock:ap-northeast-1::foundation-model/amazon.nova-pro-v1:0"],
          },
        ],
      }),
      known("deny", { Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }),
      known("logs", {
        Statement: [
          { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" },
        ],
      }),
    ]);
    expect(r.findings).toEqual([]);
    expect(r.notes).toEqual([]);
  });

  it("checks aws_iam_policy and aws_iam_role inline_policy blocks, and flags NotAction", () => {
    const r = run(noWildcardPolicies, [
      change("aws_iam_policy", "p", {
        policy: JSON.stringify({ Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }] }),
      }),
      change("aws_iam_role", "role", {
        inline_policy: [
          {
            name: "secrets",
            policy: JSON.stringify({
              Statement: [
                {
                  Effect: "Allow",
                  Action: "secretsmanager:*",
                  Resource: "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:x",
                },
              ],
            }),
          },
        ],
      }),
    ]);
    expect(r.messages).toEqual([
      "aws_iam_policy.p: policy Statement[0] allows NotAction, i.e. every action except the ones listed",
      'aws_iam_role.role: inline_policy[0].policy Statement[0] allows Action "secretsmanager:*" (every secretsmanager action); list the actions needed',
    ]);
  });

  it("notes a policy it cannot read", () => {
    const r = run(noWildcardPolicies, [
      change(
        "aws_iam_role_policy",
        "opaque",
        {},
        {
          unknown: { policy: true },
          config: {
            policy: { references: ["data.aws_iam_policy_document.x.json", "data.aws_iam_policy_document.x"] },
          },
        },
      ),
    ]);
    expect(r.findings).toEqual([]);
    expect(r.notes[0].message).toBe(
      "policy depends on data.aws_iam_policy_document.x.json, data.aws_iam_policy_document.x, known only after apply; not checked",
    );
  });
});

describe("HRC-IAM-002 no broad managed policies", () => {
  it("fails SecretsManagerReadWrite, AmazonBedrockFullAccess and AdministratorAccess", () => {
    const r = run(noBroadManagedPolicies, [
      change("aws_iam_role_policy_attachment", "secrets", {
        policy_arn: "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
      }),
      change("aws_iam_role_policy_attachment", "bedrock", {
        policy_arn: "arn:aws:iam::aws:policy/AmazonBedrockFullAccess",
      }),
      change("aws_iam_role", "admin", {
        managed_policy_arns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
      }),
    ]);
    expect(r.messages).toEqual([
      "aws_iam_role_policy_attachment.secrets: attaches AWS managed policy SecretsManagerReadWrite; grant only the actions and resources needed (e.g. secret.grantRead(role), a policy scoped to the model ARNs)",
      "aws_iam_role_policy_attachment.bedrock: attaches AWS managed policy AmazonBedrockFullAccess; grant only the actions and resources needed (e.g. secret.grantRead(role), a policy scoped to the model ARNs)",
      "aws_iam_role.admin: attaches AWS managed policy AdministratorAccess; grant only the actions and resources needed (e.g. secret.grantRead(role), a policy scoped to the model ARNs)",
    ]);
  });

  it("passes narrow service-role policies and customer policies", () => {
    const r = run(noBroadManagedPolicies, [
      change("aws_iam_role_policy_attachment", "vpc", {
        policy_arn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
      }),
      change(
        "aws_iam_role_policy_attachment",
        "own",
        {},
        { unknown: { policy_arn: true }, config: { policy_arn: tpl("${aws_iam_policy.p.arn}") } },
      ),
    ]);
    expect(r.findings).toEqual([]);
  });
});

describe("HRC-LOG-001 Lambda log groups", () => {
  const fn = (extra: Partial<ChangeSpec> = {}, after: Record<string, unknown> = {}) =>
    change(
      "aws_lambda_function",
      "fn",
      { function_name: "hr-chatbot-backend", logging_config: [], ...after },
      extra,
    );
  const group = (name: string, retention: number | null, resourceName = "logs") =>
    change("aws_cloudwatch_log_group", resourceName, { name, retention_in_days: retention });

  it("fails a function without a log group", () => {
    expect(run(lambdaLogGroup, [fn()]).messages).toEqual([
      "aws_lambda_function.fn: no aws_cloudwatch_log_group named /aws/lambda/hr-chatbot-backend in the plan; Lambda " +
        "would create it on first invocation with no retention. Add one with retention_in_days",
    ]);
  });

  it("fails a log group without retention", () => {
    expect(run(lambdaLogGroup, [fn(), group("/aws/lambda/hr-chatbot-backend", 0)]).messages).toEqual([
      "aws_lambda_function.fn: log group aws_cloudwatch_log_group.logs (/aws/lambda/hr-chatbot-backend) has " +
        "retention_in_days unset (logs are kept forever); set a retention",
    ]);
  });

  it("passes /aws/lambda/<function_name> with a retention", () => {
    expect(run(lambdaLogGroup, [fn(), group("/aws/lambda/hr-chatbot-backend", 30)]).findings).toEqual([]);
  });

  it("follows logging_config.log_group, known or by reference", () => {
    const custom = fn({}, { logging_config: [{ log_group: "/hr-chatbot/backend", log_format: "JSON" }] });
    expect(run(lambdaLogGroup, [custom, group("/aws/lambda/hr-chatbot-backend", 30)]).findings).toHaveLength(
      1,
    );
    expect(run(lambdaLogGroup, [custom, group("/hr-chatbot/backend", 30)]).findings).toEqual([]);
    const byRef = fn(
      {
        unknown: { logging_config: [{ log_group: true }] },
        config: {
          logging_config: [
            {
              log_group: {
                references: ["aws_cloudwatch_log_group.custom.name", "aws_cloudwatch_log_group.custom"],
              },
            },
          ],
        },
      },
      { logging_config: [{ log_format: "JSON" }] },
    );
    const r = run(lambdaLogGroup, [byRef, group("/whatever", null, "custom")]);
    expect(r.messages).toEqual([
      "aws_lambda_function.fn: log group aws_cloudwatch_log_group.custom (/whatever) has retention_in_days unset " +
        "(logs are kept forever); set a retention",
    ]);
  });

  it("matches a log group named through a reference to the function", () => {
    const g = change(
      "aws_cloudwatch_log_group",
      "logs",
      { retention_in_days: 14 },
      {
        unknown: { name: true },
        config: { name: tpl("/aws/lambda/${aws_lambda_function.fn.function_name}") },
      },
    );
    expect(run(lambdaLogGroup, [fn(), g]).findings).toEqual([]);
  });
});

describe("HRC-LOG-002 API stage access logs", () => {
  const stage = (after: Record<string, unknown>, extra: Partial<ChangeSpec> = {}) =>
    change("aws_apigatewayv2_stage", "stage", { name: "$default", ...after }, extra);
  const byRef = {
    unknown: { access_log_settings: [{ destination_arn: true }] },
    config: {
      access_log_settings: [
        { destination_arn: tpl("${aws_cloudwatch_log_group.api.arn}"), format: lit("{}") },
      ],
    },
  };

  it("fails a stage without access logs", () => {
    expect(run(apiStageAccessLogs, [stage({ access_log_settings: [] })]).messages).toEqual([
      "aws_apigatewayv2_stage.stage: has no access_log_settings; add a destination log group and a format",
    ]);
  });

  it("fails a stage whose log group has no retention", () => {
    const r = run(apiStageAccessLogs, [
      stage({ access_log_settings: [{ format: "{}" }] }, byRef),
      change("aws_cloudwatch_log_group", "api", {
        name: "/aws/apigateway/hr-chatbot",
        retention_in_days: null,
      }),
    ]);
    expect(r.messages).toEqual([
      "aws_apigatewayv2_stage.stage: log group aws_cloudwatch_log_group.api (/aws/apigateway/hr-chatbot) has " +
        "retention_in_days unset (logs are kept forever); set a retention",
    ]);
  });

  it("passes a stage logging to a referenced log group with a retention, or to a known ARN in the plan", () => {
    const group = change("aws_cloudwatch_log_group", "api", {
      name: "/aws/apigateway/hr-chatbot",
      retention_in_days: 30,
    });
    expect(
      run(apiStageAccessLogs, [stage({ access_log_settings: [{ format: "{}" }] }, byRef), group]).findings,
    ).toEqual([]);
    const arn = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/apigateway/hr-chatbot";
    expect(
      run(apiStageAccessLogs, [
        stage({ access_log_settings: [{ destination_arn: arn, format: "{}" }] }),
        group,
      ]).findings,
    ).toEqual([]);
  });

  it("notes a destination outside the plan", () => {
    const arn = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/shared/api:*";
    const r = run(apiStageAccessLogs, [
      stage({ access_log_settings: [{ destination_arn: arn, format: "{}" }] }),
    ]);
    expect(r.findings).toEqual([]);
    expect(r.notes[0].message).toBe(
      `access logs go to ${arn}, which is not in this plan; retention not checked`,
    );
  });
});

describe("HRC-S3-001..003 state bucket", () => {
  const bucket = (name: string) =>
    change("aws_s3_bucket", name, { bucket: `hr-chatbot-${name}` }, { unknown: { id: true } });
  const companion = (type: string, name: string, bucketRef: string, after: Record<string, unknown>) =>
    change(type, name, after, {
      unknown: { bucket: true },
      config: { bucket: tpl(`\${aws_s3_bucket.${bucketRef}.id}`) },
    });
  const versioning = (ref: string, status = "Enabled") =>
    companion("aws_s3_bucket_versioning", `${ref}-versioning`, ref, {
      versioning_configuration: [{ status }],
    });
  const encryption = (ref: string) =>
    companion("aws_s3_bucket_server_side_encryption_configuration", `${ref}-sse`, ref, {
      rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: "aws:kms" }] }],
    });
  const pab = (ref: string, overrides: Record<string, unknown> = {}) =>
    companion("aws_s3_bucket_public_access_block", `${ref}-pab`, ref, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
      ...overrides,
    });

  it("fails a bare bucket on all three rules", () => {
    expect(run(bucketVersioned, [bucket("state")]).messages).toEqual([
      "aws_s3_bucket.state: has no aws_s3_bucket_versioning",
    ]);
    expect(run(bucketEncrypted, [bucket("state")]).messages).toEqual([
      "aws_s3_bucket.state: has no aws_s3_bucket_server_side_encryption_configuration",
    ]);
    expect(run(bucketPublicAccessBlocked, [bucket("state")]).messages).toEqual([
      "aws_s3_bucket.state: has no aws_s3_bucket_public_access_block",
    ]);
  });

  it("passes a bucket whose companions reference it", () => {
    const all = [bucket("state"), versioning("state"), encryption("state"), pab("state")];
    for (const rule of [bucketVersioned, bucketEncrypted, bucketPublicAccessBlocked]) {
      expect(run(rule, all).findings).toEqual([]);
    }
  });

  it("matches companions to the right bucket when there are several", () => {
    const r = run(bucketVersioned, [bucket("state"), bucket("logs"), versioning("state")]);
    expect(r.messages).toEqual(["aws_s3_bucket.logs: has no aws_s3_bucket_versioning"]);
  });

  it("matches companions by a known bucket name", () => {
    const byName = change("aws_s3_bucket_versioning", "v", {
      bucket: "hr-chatbot-state",
      versioning_configuration: [{ status: "Enabled" }],
    });
    expect(run(bucketVersioned, [bucket("state"), byName]).findings).toEqual([]);
  });

  it("fails suspended versioning and a partial public access block", () => {
    expect(run(bucketVersioned, [bucket("state"), versioning("state", "Suspended")]).messages).toEqual([
      'aws_s3_bucket.state: aws_s3_bucket_versioning.state-versioning: versioning status is "Suspended", not "Enabled"',
    ]);
    expect(
      run(bucketPublicAccessBlocked, [
        bucket("state"),
        pab("state", { block_public_policy: false, restrict_public_buckets: null }),
      ]).messages,
    ).toEqual([
      "aws_s3_bucket.state: aws_s3_bucket_public_access_block.state-pab: block_public_policy, restrict_public_buckets not true",
    ]);
  });

  it("accepts an account-wide public access block", () => {
    const account = change("aws_s3_account_public_access_block", "account", {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(run(bucketPublicAccessBlocked, [bucket("state"), account]).findings).toEqual([]);
  });
});

describe("HRC-TAG-001 required tags", () => {
  const ctx = { requiredTags: ["Project", "Environment"] };

  it("fails a resource whose tags_all lacks a required key", () => {
    const r = run(
      requiredTags,
      [change("aws_vpc", "vpc", { tags: { Name: "x" }, tags_all: { Name: "x", Project: "hr-chatbot" } })],
      ctx,
    );
    expect(r.messages).toEqual([
      "aws_vpc.vpc: missing required tag Environment (has Name, Project); set them in the provider default_tags or the module's tags",
    ]);
  });

  it("passes tags_all carrying every key, and skips resources without tags", () => {
    const r = run(
      requiredTags,
      [
        change("aws_vpc", "vpc", { tags_all: { Project: "hr-chatbot", Environment: "dev" } }),
        change("aws_iam_role_policy", "p", { name: "x" }),
      ],
      ctx,
    );
    expect(r.findings).toEqual([]);
  });

  it("falls back to provider default tags plus own tags when tags_all is unknown", () => {
    const unknownAll = (tags: Record<string, string> | null) =>
      change("aws_subnet", "a", { tags }, { unknown: { tags_all: true } });
    expect(
      run(requiredTags, [unknownAll({ Environment: "dev" })], ctx, { defaultTags: { Project: "hr-chatbot" } })
        .findings,
    ).toEqual([]);
    expect(
      run(requiredTags, [unknownAll(null)], ctx, { defaultTags: { Project: "hr-chatbot" } }).messages,
    ).toEqual([
      "aws_subnet.a: missing required tag Environment (has Project); set them in the provider default_tags or the module's tags",
    ]);
  });

  it("treats an empty tag value as missing, and checks nothing when no tags are required", () => {
    const empty = change("aws_vpc", "vpc", { tags_all: { Project: "", Environment: "dev" } });
    expect(run(requiredTags, [empty], ctx).findings).toHaveLength(1);
    expect(run(requiredTags, [empty]).findings).toEqual([]);
  });
});

describe("HRC-CHG-001 stateful replacement and deletion", () => {
  it("flags a replaced cluster with the attributes that force it", () => {
    const r = run(statefulChangeReview, [
      change(
        "aws_rds_cluster",
        "cluster",
        { engine: "aurora-postgresql" },
        {
          actions: ["delete", "create"],
          actionReason: "replace_because_cannot_update",
          replacePaths: [["database_name"], ["master_username"]],
        },
      ),
    ]);
    expect(r.messages).toEqual([
      "aws_rds_cluster.cluster: review required: will be REPLACED (destroy then create) (replace_because_cannot_update); " +
        "forced by changes to database_name, master_username; its data or identity is lost unless migrated",
    ]);
  });

  it("flags create-before-destroy replacement and deletion", () => {
    const r = run(statefulChangeReview, [
      change("aws_secretsmanager_secret", "db", {}, { actions: ["create", "delete"] }),
      change("aws_s3_bucket", "state", null, {
        actions: ["delete"],
        actionReason: "delete_because_no_resource_config",
      }),
      change("aws_kms_key", "key", null, { actions: ["delete"] }),
    ]);
    expect(r.messages).toEqual([
      "aws_secretsmanager_secret.db: review required: will be REPLACED (create before destroy); its data or identity is lost unless migrated",
      "aws_s3_bucket.state: review required: will be DESTROYED (delete_because_no_resource_config)",
      "aws_kms_key.key: review required: will be DESTROYED",
    ]);
  });

  it("ignores updates, creations and stateless replacements", () => {
    const r = run(statefulChangeReview, [
      change("aws_rds_cluster", "cluster", {}, { actions: ["update"] }),
      change("aws_rds_cluster_instance", "instance", {}, { actions: ["create"] }),
      change("aws_lambda_function", "fn", {}, { actions: ["delete", "create"] }),
      change("aws_s3_bucket", "state", {}, { actions: ["no-op"] }),
    ]);
    expect(r.findings).toEqual([]);
  });
});

describe("production and the policy agree", () => {
  it("a production environment may not waive exactly the critical rules", () => {
    const critical = RULES.filter((r) => r.severity === "critical").map((r) => r.id);
    expect([...PRODUCTION_UNWAIVABLE_RULES].sort()).toEqual(critical.sort());
  });
});
