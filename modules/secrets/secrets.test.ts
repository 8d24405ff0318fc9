import { TerraformOutput, Testing } from "cdktf";
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { RoleRef } from "../core";
import { arnPartOf, onlyResource, resourcesOf, synthJson, testStack } from "../core/testing";
import { AppSecret, DatabaseSecret, JsonSecret, SecretReference, SecretsKey } from "./index";

const role: RoleRef = {
  name: "hr-chatbot-lambda-role",
  arn: "arn:aws:iam::123456789012:role/hr-chatbot-lambda-role",
};
const KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** A synthesized policy document. */
function decode(policy: unknown): Record<string, unknown> {
  return JSON.parse(policy as string) as Record<string, unknown>;
}

/** The logical id of the only resource of `type`. */
function idOf(json: ReturnType<typeof synthJson>, type: string): string {
  const ids = Object.keys(resourcesOf(json, type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

function warnings(scope: Construct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === "@cdktf/warn")
    .map((m) => String(m.data));
}

describe("JsonSecret", () => {
  it("creates the secret with name, defaults and tags, and writes the JSON value", () => {
    const { stack } = testStack();
    const s = new JsonSecret(stack, "s", {
      name: "hr-chatbot",
      secretName: "hr-chatbot/config",
      description: "settings",
      tags: { Project: "hr-chatbot" },
      value: { region: "ap-northeast-1", retries: 3 },
    });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_secretsmanager_secret")).toEqual({
      name: "hr-chatbot/config",
      description: "settings",
      recovery_window_in_days: 30,
      tags: { Project: "hr-chatbot", Name: "hr-chatbot/config" },
    });
    const version = onlyResource(json, "aws_secretsmanager_secret_version");
    expect(version.secret_id).toMatch(/^\$\{aws_secretsmanager_secret\.\S+\.id\}$/);
    expect(version.secret_string).toBe('${jsonencode({"region" = "ap-northeast-1", "retries" = 3})}');
    expect(s.name).toBe("hr-chatbot/config");
    expect(s.kmsKeyArn).toBeUndefined();
    expect(s.hasValue).toBe(true);
  });

  it("keeps Terraform references in the value as references", () => {
    const { stack } = testStack();
    const other = new AppSecret(stack, "app", { name: "hr-chatbot", secretName: "hr-chatbot/app-secrets" });
    new JsonSecret(stack, "s", {
      name: "hr-chatbot",
      secretName: "hr-chatbot/refs",
      value: { app_secret_arn: other.arn },
    });
    const versions = Object.values(resourcesOf(synthJson(stack), "aws_secretsmanager_secret_version"));
    const refs = versions.find((v) => String(v.secret_string).includes("app_secret_arn"));
    // jsonencode at apply time: the value is escaped as JSON whatever the reference holds
    expect(refs?.secret_string).toMatch(
      /^\$\{jsonencode\(\{"app_secret_arn" = aws_secretsmanager_secret\.app_secret_[0-9A-F]+\.arn\}\)\}$/,
    );
  });

  it("without a value creates no version and warns", () => {
    const { stack } = testStack();
    const s = new JsonSecret(stack, "s", { name: "hr-chatbot", secretName: "hr-chatbot/manual" });
    expect(resourcesOf(synthJson(stack), "aws_secretsmanager_secret_version")).toEqual({});
    expect(s.hasValue).toBe(false);
    expect(warnings(stack).join("\n")).toContain('"hr-chatbot/manual" has no value');
  });

  it.each([
    [{ secretName: "" }, 'secretName "" must be 1-512 characters of letters, digits and /_+=.@-'],
    [{ secretName: "hr chatbot" }, 'secretName "hr chatbot" must be 1-512 characters'],
    [{ secretName: "a".repeat(513) }, "must be 1-512 characters"],
    [
      { recoveryWindowInDays: 3 },
      "recoveryWindowInDays 3 must be 0 (delete immediately) or an integer from 7 to 30",
    ],
    [{ recoveryWindowInDays: 31 }, "recoveryWindowInDays 31 must be 0"],
    [{ kmsKeyArn: "alias/aws/secretsmanager" }, 'kmsKeyArn "alias/aws/secretsmanager" must be a KMS key ARN'],
    [{ region: "tokyo" }, 'region "tokyo" must be an AWS region'],
    [{ name: "HR" }, 'name "HR" must be 2-40 lower-case'],
    [{ value: {} }, "value {} must have at least one key"],
    [
      { value: { "bad key": "x" } },
      'value["bad key"] "bad key" is not a valid key (1-128 letters, digits, _ . -)',
    ],
    [{ value: { n: Number.NaN } }, "value.n null must be a string or a finite number"],
  ])("rejects %j", (override, message) => {
    const { stack } = testStack();
    expect(
      () =>
        new JsonSecret(stack, "s", {
          name: "hr-chatbot",
          secretName: "hr-chatbot/x",
          value: { a: "b" },
          ...override,
        }),
    ).toThrow(message);
  });

  it("accepts recoveryWindowInDays 0 with a warning, and warns about a six-character suffix", () => {
    const { stack } = testStack();
    new JsonSecret(stack, "s", {
      name: "hr-chatbot",
      secretName: "my-secret",
      recoveryWindowInDays: 0,
      value: { a: "b" },
    });
    expect(onlyResource(synthJson(stack), "aws_secretsmanager_secret").recovery_window_in_days).toBe(0);
    const w = warnings(stack).join("\n");
    expect(w).toContain("recoveryWindowInDays 0");
    expect(w).toContain("ends with a hyphen and six characters");
  });
});

describe("grantRead", () => {
  it("allows exactly GetSecretValue and DescribeSecret on exactly this secret's ARN, without KMS for the AWS key", () => {
    const { stack } = testStack();
    const s = new JsonSecret(stack, "s", {
      name: "hr-chatbot",
      secretName: "hr-chatbot/database",
      value: { a: "b" },
    });
    s.grantRead(role);
    const json = synthJson(stack);
    const secretId = Object.keys(resourcesOf(json, "aws_secretsmanager_secret"))[0];
    const policy = onlyResource(json, "aws_iam_role_policy");
    expect(policy.role).toBe("hr-chatbot-lambda-role");
    expect(policy.name).toBe("hr-chatbot-database-read");
    expect(policy.policy).toBe(
      `{"Version":"2012-10-17","Statement":[{"Sid":"ReadSecret","Effect":"Allow",` +
        `"Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],` +
        `"Resource":"\${aws_secretsmanager_secret.${secretId}.arn}"}]}`,
    );
    expect(policy.policy).not.toContain("*");
    expect(policy.policy).not.toContain("kms:");
    expect(s.grants).toEqual([role]);
  });

  it("returns the grant: the role, the inline policy to depend on, and its statements", () => {
    const { stack } = testStack();
    const s = new JsonSecret(stack, "s", {
      name: "hr-chatbot",
      secretName: "hr-chatbot/x",
      value: { a: "b" },
    });
    const grant = s.grantRead(role);
    new TerraformOutput(stack, "after-grant", { value: "x", dependsOn: [grant.policy] });
    const json = synthJson(stack);
    const policyId = idOf(json, "aws_iam_role_policy");
    expect(grant.grantee).toBe(role);
    expect((json.output as Record<string, { depends_on?: string[] }>)["after-grant"].depends_on).toEqual([
      `\${aws_iam_role_policy.${policyId}}`,
    ]);
    expect(grant.statements).toEqual([expect.objectContaining({ Sid: "ReadSecret", Resource: s.arn })]);
    expect(decode(resourcesOf(json, "aws_iam_role_policy")[policyId].policy).Statement).toHaveLength(1);
  });

  it("adds kms:Decrypt on the customer key, limited to Secrets Manager and this secret", () => {
    const { stack } = testStack();
    const s = new JsonSecret(stack, "s", {
      name: "hr-chatbot",
      secretName: "hr-chatbot/database",
      kmsKeyArn: KEY_ARN,
      region: "ap-northeast-1",
      value: { a: "b" },
    });
    s.grantRead(role);
    const json = synthJson(stack);
    const secretId = Object.keys(resourcesOf(json, "aws_secretsmanager_secret"))[0];
    expect(onlyResource(json, "aws_secretsmanager_secret").kms_key_id).toBe(KEY_ARN);
    const policy = decode(onlyResource(json, "aws_iam_role_policy").policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "ReadSecret",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: `\${aws_secretsmanager_secret.${secretId}.arn}`,
      },
      {
        Sid: "DecryptSecret",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KEY_ARN,
        Condition: {
          StringEquals: {
            "kms:ViaService": "secretsmanager.ap-northeast-1.amazonaws.com",
            "kms:EncryptionContext:SecretARN": `\${aws_secretsmanager_secret.${secretId}.arn}`,
          },
        },
      },
    ]);
  });

  it("without a region limits kms:ViaService to Secrets Manager in any region", () => {
    const { stack } = testStack();
    const key = new SecretsKey(stack, "key", { name: "hr-chatbot" });
    const s = new JsonSecret(stack, "s", {
      name: "hr-chatbot",
      secretName: "hr-chatbot/x",
      kmsKeyArn: key.arn,
      value: { a: "b" },
    });
    s.grantRead(role);
    const statements = decode(onlyResource(synthJson(stack), "aws_iam_role_policy").policy).Statement;
    expect((statements as unknown[])[1]).toEqual({
      Sid: "DecryptSecret",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: expect.stringMatching(/^\$\{aws_kms_key\.\S+\.arn\}$/),
      Condition: {
        StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" },
        StringEquals: {
          "kms:EncryptionContext:SecretARN": expect.stringMatching(
            /^\$\{aws_secretsmanager_secret\.\S+\.arn\}$/,
          ),
        },
      },
    });
  });

  it("grants several roles (also by reference) with distinct resources; a repeated grant is a no-op", () => {
    const { stack } = testStack();
    const s = new DatabaseSecret(stack, "s", { name: "hr-chatbot", secretName: "hr-chatbot/database" });
    s.grantWrite(writer);
    const iamRole = new IamRole(stack, "role", { name: "hr-chatbot-worker-role", assumeRolePolicy: "{}" });
    const other: RoleRef = { name: iamRole.name, arn: iamRole.arn };
    const first = s.grantRead(role);
    s.grantRead({
      name: "hr-chatbot-bootstrap-role",
      arn: "arn:aws:iam::123456789012:role/hr-chatbot-bootstrap-role",
    });
    const byReference = s.grantRead(other);
    expect(s.grantRead(role)).toBe(first);
    expect(s.grantRead({ ...role })).toBe(first);
    expect(s.grantRead(other)).toBe(byReference);
    const policies = Object.values(resourcesOf(synthJson(stack), "aws_iam_role_policy")).filter((p) =>
      String(p.name).endsWith("-read"),
    );
    expect(policies.map((p) => p.role).sort()).toEqual([
      "${aws_iam_role.role.name}",
      "hr-chatbot-bootstrap-role",
      "hr-chatbot-lambda-role",
    ]);
    expect(s.grants.map((r) => r.name).slice(0, 2)).toEqual([
      "hr-chatbot-lambda-role",
      "hr-chatbot-bootstrap-role",
    ]);
    expect(s.grants[2]).toBe(other);
    expect(s.grants).toHaveLength(3);
  });

  it("keeps policy names within IAM's 128 characters for long secret names", () => {
    const { stack } = testStack();
    const s = new JsonSecret(stack, "s", {
      name: "hr-chatbot",
      secretName: `hr-chatbot/${"x".repeat(300)}`,
      value: { a: "b" },
    });
    s.grantRead(role);
    const name = String(onlyResource(synthJson(stack), "aws_iam_role_policy").name);
    expect(name.length).toBeLessThanOrEqual(128);
    expect(name).toMatch(/^hr-chatbot-x+-[0-9a-f]{8}-read$/);
  });
});

const writer: RoleRef = {
  name: "hr-chatbot-db-bootstrap-role",
  arn: "arn:aws:iam::123456789012:role/hr-chatbot-db-bootstrap-role",
};

describe.each([
  [
    "DatabaseSecret",
    (stack: Construct) =>
      new DatabaseSecret(stack, "db", { name: "hr-chatbot", secretName: "hr-chatbot/database" }),
  ],
  [
    "AppSecret",
    (stack: Construct) =>
      new AppSecret(stack, "db", { name: "hr-chatbot", secretName: "hr-chatbot/database" }),
  ],
])("%s: a value written at apply time, never by Terraform", (_kind, make) => {
  it("creates the secret without a version and without any random_* resource", () => {
    const { stack } = testStack();
    const s = make(stack);
    s.grantWrite(writer);
    const json = synthJson(stack);
    expect(Object.keys(resourcesOf(json, "aws_secretsmanager_secret"))).toHaveLength(1);
    expect(resourcesOf(json, "aws_secretsmanager_secret_version")).toEqual({});
    expect(Object.keys(json.resource ?? {}).filter((t) => t.startsWith("random_"))).toEqual([]);
    expect(s.hasValue).toBe(false);
    expect(s.version).toBeUndefined();
  });

  it("fails synth (Testing.synth and app.synth) when no role may write the value", () => {
    const { app, stack } = testStack();
    const s = make(stack);
    s.grantRead(role);
    expect(() => Testing.synth(stack, true)).toThrow(/no role was granted write access \(grantWrite\)/);
    expect(() => app.synth()).toThrow(/"hr-chatbot\/database": no role was granted write access/);
  });

  it("grants write: PutSecretValue, GetSecretValue and DescribeSecret on the ARN, KMS encrypt/decrypt for this secret only", () => {
    const { stack } = testStack();
    const key = new SecretsKey(stack, "key", { name: "hr-chatbot" });
    const s =
      _kind === "DatabaseSecret"
        ? new DatabaseSecret(stack, "db", {
            name: "hr-chatbot",
            secretName: "hr-chatbot/database",
            kmsKeyArn: key.arn,
            region: "ap-northeast-1",
          })
        : new AppSecret(stack, "db", {
            name: "hr-chatbot",
            secretName: "hr-chatbot/database",
            kmsKeyArn: key.arn,
            region: "ap-northeast-1",
          });
    const grant = s.grantWrite(writer);
    expect(s.grantWrite({ ...writer })).toBe(grant);
    expect(s.writers).toEqual([writer]);
    expect(s.grants).toEqual([]);
    const json = synthJson(stack);
    const policy = onlyResource(json, "aws_iam_role_policy");
    const secretId = idOf(json, "aws_secretsmanager_secret");
    expect(policy.name).toBe("hr-chatbot-database-write");
    expect(policy.role).toBe(writer.name);
    expect(decode(policy.policy).Statement).toEqual([
      {
        Sid: "WriteSecret",
        Effect: "Allow",
        Action: [
          "secretsmanager:GetSecretValue",
          "secretsmanager:DescribeSecret",
          "secretsmanager:PutSecretValue",
        ],
        Resource: `\${aws_secretsmanager_secret.${secretId}.arn}`,
      },
      {
        Sid: "EncryptDecryptSecret",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: expect.stringMatching(/^\$\{aws_kms_key\.\S+\.arn\}$/),
        Condition: {
          StringEquals: {
            "kms:ViaService": "secretsmanager.ap-northeast-1.amazonaws.com",
            "kms:EncryptionContext:SecretARN": `\${aws_secretsmanager_secret.${secretId}.arn}`,
          },
        },
      },
    ]);
  });

  it("keeps read and write grants of one role apart", () => {
    const { stack } = testStack();
    const s = make(stack);
    s.grantWrite(writer);
    s.grantRead(writer);
    const names = Object.values(resourcesOf(synthJson(stack), "aws_iam_role_policy")).map((p) => p.name);
    expect(names.sort()).toEqual(["hr-chatbot-database-read", "hr-chatbot-database-write"]);
  });
});

describe("DatabaseSecret", () => {
  it("names the keys of its value, the application's contract", () => {
    expect(DatabaseSecret.KEYS).toEqual(["host", "port", "database", "username", "password"]);
  });

  it("rejects a bad recovery window", () => {
    expect(
      () =>
        new DatabaseSecret(testStack().stack, "db", {
          name: "hr-chatbot",
          secretName: "hr-chatbot/database",
          recoveryWindowInDays: 1,
        }),
    ).toThrow("recoveryWindowInDays 1 must be 0");
  });
});

describe("AppSecret", () => {
  it("records the algorithm (HS256 by default) and the 64-byte key length for its writer", () => {
    const { stack } = testStack();
    const s = new AppSecret(stack, "app", { name: "hr-chatbot", secretName: "hr-chatbot/app-secrets" });
    expect(s.algorithm).toBe("HS256");
    expect(s.keyLengthBytes).toBe(64);
    const other = new AppSecret(stack, "app2", {
      name: "hr-chatbot",
      secretName: "hr-chatbot/app-secrets-2",
      algorithm: "HS512",
    });
    expect(other.algorithm).toBe("HS512");
    const bad = {
      name: "hr-chatbot",
      secretName: "x",
      algorithm: "RS256",
    } as unknown as ConstructorParameters<typeof AppSecret>[2];
    expect(() => new AppSecret(testStack().stack, "app", bad)).toThrow(
      'algorithm "RS256" must be one of HS256, HS384, HS512',
    );
  });
});

describe("SecretReference", () => {
  it("grants read on a secret made elsewhere, by ARN, with the key's conditions", () => {
    const { stack } = testStack();
    const ref = new SecretReference(stack, "master", {
      arn: "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!cluster-abc-123456",
      label: "hr-chatbot-cluster-master-user-secret",
      kmsKeyArn: KEY_ARN,
    });
    expect(ref.name).toBe(ref.arn);
    ref.grantRead(writer);
    expect(ref.grants).toEqual([writer]);
    const policy = onlyResource(synthJson(stack), "aws_iam_role_policy");
    expect(policy.name).toBe("hr-chatbot-cluster-master-user-secret-read");
    expect(decode(policy.policy).Statement).toEqual([
      {
        Sid: "ReadSecret",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: ref.arn,
      },
      {
        Sid: "DecryptSecret",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KEY_ARN,
        Condition: {
          StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" },
          StringEquals: { "kms:EncryptionContext:SecretARN": ref.arn },
        },
      },
    ]);
  });

  it("validates its label and key", () => {
    const { stack } = testStack();
    expect(() => new SecretReference(stack, "a", { arn: "x", label: "bad label" })).toThrow(
      'label "bad label" must be 1-512 characters',
    );
    expect(() => new SecretReference(stack, "b", { arn: "x", label: "ok", kmsKeyArn: "alias/x" })).toThrow(
      "kmsKeyArn",
    );
  });
});

describe("SecretsKey", () => {
  it("creates a rotating key with an explicit key policy (the default one) and an alias", () => {
    const { stack } = testStack();
    const key = new SecretsKey(stack, "key", { name: "hr-chatbot", tags: { Project: "hr-chatbot" } });
    const json = synthJson(stack);
    const k = onlyResource(json, "aws_kms_key");
    expect(k).toEqual({
      description: "Encrypts the hr-chatbot secrets",
      enable_key_rotation: true,
      deletion_window_in_days: 30,
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-secrets" },
    });
    expect(k.policy).toBeUndefined(); // a separate aws_kms_key_policy: the key's ARN gives the account
    const keyId = Object.keys(resourcesOf(json, "aws_kms_key"))[0];
    const policy = onlyResource(json, "aws_kms_key_policy");
    expect(policy.key_id).toBe(`\${aws_kms_key.${keyId}.key_id}`);
    expect(decode(policy.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EnableIamPolicies",
          Effect: "Allow",
          Principal: {
            AWS:
              `arn:${arnPartOf(json, `aws_kms_key.${keyId}.arn`, 1)}:iam::` +
              `${arnPartOf(json, `aws_kms_key.${keyId}.arn`, 4)}:root`,
          },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });
    const alias = onlyResource(json, "aws_kms_alias");
    expect(alias.name).toBe("alias/hr-chatbot-secrets");
    expect(alias.target_key_id).toMatch(/^\$\{aws_kms_key\.\S+\.key_id\}$/);
    expect(key.aliasName).toBe("alias/hr-chatbot-secrets");
  });

  it("validates the deletion window", () => {
    expect(
      () => new SecretsKey(testStack().stack, "key", { name: "hr-chatbot", deletionWindowInDays: 5 }),
    ).toThrow("deletionWindowInDays 5 must be an integer from 7 to 30");
  });
});
