import { TerraformOutput, Testing } from "cdktf";
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { RoleRef } from "../core";
import { arnPartOf, onlyResource, resourcesOf, synthJson, testStack } from "../core/testing";
import { AppSecret, DatabaseSecret, JsonSecret, SecretsKey } from "./index";

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
    s.attachCluster({ host: "db.example.internal", port: 5432, database: "app" });
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
    const policies = Object.values(resourcesOf(synthJson(stack), "aws_iam_role_policy"));
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

describe("DatabaseSecret", () => {
  it("generates a 32-character alphanumeric password and defaults the user to postgres", () => {
    const { stack } = testStack();
    const s = new DatabaseSecret(stack, "db", { name: "hr-chatbot", secretName: "hr-chatbot/database" });
    s.attachCluster({ host: "db.example.internal", port: 5432, database: "hr_chatbot" });
    const json = synthJson(stack);
    expect(onlyResource(json, "random_password")).toEqual({
      length: 32,
      special: false,
      upper: true,
      lower: true,
      numeric: true,
      min_upper: 1,
      min_lower: 1,
      min_numeric: 1,
    });
    expect(s.username).toBe("postgres");
    expect(s.passwordLength).toBe(32);
    expect(s.password).toMatch(/^\$\{TfToken\[/);
  });

  it("writes exactly {host, port, database, username, password} once attached", () => {
    const { stack } = testStack();
    const s = new DatabaseSecret(stack, "db", {
      name: "hr-chatbot",
      secretName: "hr-chatbot/database",
      username: "app_admin",
    });
    s.attachCluster({ host: "db.example.internal", port: 5432, database: "hr_chatbot" });
    const json = JSON.parse(Testing.synth(stack, true)) as ReturnType<typeof synthJson>;
    const expr = onlyResource(json, "aws_secretsmanager_secret_version").secret_string;
    expect(expr).toBe(
      `\${jsonencode({"host" = "db.example.internal", "port" = 5432, "database" = "hr_chatbot", ` +
        `"username" = "app_admin", "password" = random_password.${idOf(json, "random_password")}.result})}`,
    );
    expect(s.endpoint).toEqual({ host: "db.example.internal", port: 5432, database: "hr_chatbot" });
  });

  it("fails synth when attachCluster is never called (empty connection details)", () => {
    const { stack } = testStack();
    new DatabaseSecret(stack, "db", { name: "hr-chatbot", secretName: "hr-chatbot/database" });
    expect(() => Testing.synth(stack, true)).toThrow(/attachCluster\(\) was never called/);
  });

  it("fails app.synth() too when attachCluster is never called", () => {
    const { app, stack } = testStack();
    new DatabaseSecret(stack, "db", { name: "hr-chatbot", secretName: "hr-chatbot/database" });
    expect(() => app.synth()).toThrow(/attachCluster\(\) was never called/);
  });

  it("refuses a second attachCluster", () => {
    const { stack } = testStack();
    const s = new DatabaseSecret(stack, "db", { name: "hr-chatbot", secretName: "hr-chatbot/database" });
    s.attachCluster({ host: "a", port: 5432, database: "app" });
    expect(() => s.attachCluster({ host: "b", port: 5432, database: "app" })).toThrow(
      "attachCluster() was already called",
    );
  });

  it.each([
    [
      { username: "1user" },
      'username "1user" must be 1-63 letters, digits or underscores, starting with a letter',
    ],
    [{ username: "app-user" }, "must be 1-63 letters"],
    [{ username: "u".repeat(64) }, "must be 1-63 letters"],
    [{ username: "user" }, 'username "user" is a reserved PostgreSQL keyword'],
    [{ username: "rdsadmin" }, "is reserved by RDS or PostgreSQL"],
    [{ username: "pg_admin" }, "is reserved by RDS or PostgreSQL"],
    [{ passwordLength: 12 }, "passwordLength 12 must be an integer from 16 to 41"],
    [{ passwordLength: 64 }, "passwordLength 64 must be an integer from 16 to 41"],
    [{ recoveryWindowInDays: 1 }, "recoveryWindowInDays 1 must be 0"],
  ])("rejects %j", (override, message) => {
    const { stack } = testStack();
    expect(
      () =>
        new DatabaseSecret(stack, "db", {
          name: "hr-chatbot",
          secretName: "hr-chatbot/database",
          ...override,
        }),
    ).toThrow(message);
  });
});

describe("AppSecret", () => {
  it("stores {secret_key, algorithm} with 64 random bytes, base64 encoded, and HS256 by default", () => {
    const { stack } = testStack();
    const s = new AppSecret(stack, "app", { name: "hr-chatbot", secretName: "hr-chatbot/app-secrets" });
    const json = synthJson(stack);
    expect(onlyResource(json, "random_bytes")).toEqual({ length: 64 });
    const expr = onlyResource(json, "aws_secretsmanager_secret_version").secret_string;
    expect(expr).toBe(
      `\${jsonencode({"secret_key" = random_bytes.${idOf(json, "random_bytes")}.base64, "algorithm" = "HS256"})}`,
    );
    expect(s.algorithm).toBe("HS256");
    expect(onlyResource(json, "aws_secretsmanager_secret").name).toBe("hr-chatbot/app-secrets");
  });

  it("takes another HMAC algorithm and rejects anything else", () => {
    const { stack } = testStack();
    new AppSecret(stack, "app", {
      name: "hr-chatbot",
      secretName: "hr-chatbot/app-secrets",
      algorithm: "HS512",
    });
    expect(onlyResource(synthJson(stack), "aws_secretsmanager_secret_version").secret_string).toContain(
      '"algorithm" = "HS512"',
    );
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
