import { TerraformStack, Testing } from "cdktf";
import { synthJson } from "../core/testing";
import { ConfigError } from "../core";
import {
  backendConfigSchema,
  configureBackend,
  parseBackendConfig,
  s3StateKey,
  type BackendConfig,
  type BackendContext,
} from "./backend";

const ctx: BackendContext = { project: "hr-chatbot", environment: "dev", stackName: "dev" };

/** The `terraform` block of a stack that declares `backend`. */
function terraformBlock(backend: BackendConfig, context: BackendContext = ctx): Record<string, unknown> {
  const stack = new TerraformStack(Testing.app(), context.stackName);
  configureBackend(stack, backend, context);
  return synthJson(stack).terraform ?? {};
}

/** The message parseBackendConfig throws for `input`. */
function rejection(input: unknown): string {
  try {
    parseBackendConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

const s3 = { type: "s3", bucket: "hr-chatbot-tfstate-123456789012", region: "ap-northeast-1" } as const;

describe("s3 backend", () => {
  test("key is <project>/<env>/<stack>.tfstate, encryption and the S3 lock file are always on", () => {
    const tf = terraformBlock(s3, {
      project: "hr-chatbot",
      environment: "prod",
      stackName: "hr-chatbot-prod",
    });
    expect(tf.backend).toEqual({
      s3: {
        bucket: "hr-chatbot-tfstate-123456789012",
        region: "ap-northeast-1",
        key: "hr-chatbot/prod/hr-chatbot-prod.tfstate",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  test("never declares a DynamoDB lock table", () => {
    const backend = (terraformBlock(s3).backend as { s3: Record<string, unknown> }).s3;
    expect(Object.keys(backend).filter((k) => k.includes("dynamodb"))).toEqual([]);
  });

  test("keyPrefix, kmsKeyId, profile and roleArn (assume_role)", () => {
    const tf = terraformBlock({
      ...s3,
      keyPrefix: "teams/hr",
      kmsKeyId: "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      profile: "hr-deploy",
      roleArn: "arn:aws:iam::123456789012:role/hr-chatbot-deploy",
    });
    expect((tf.backend as { s3: unknown }).s3).toMatchObject({
      key: "teams/hr/dev/dev.tfstate",
      kms_key_id: "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      profile: "hr-deploy",
      assume_role: { role_arn: "arn:aws:iam::123456789012:role/hr-chatbot-deploy" },
      use_lockfile: true,
      encrypt: true,
    });
  });

  test("s3StateKey", () => {
    expect(s3StateKey(ctx)).toBe("hr-chatbot/dev/dev.tfstate");
    expect(s3StateKey(ctx, "org/hr-chatbot")).toBe("org/hr-chatbot/dev/dev.tfstate");
    expect(() => s3StateKey({ ...ctx, environment: "../prod" })).toThrow(
      /backend context environment "\.\.\/prod" must be letters/,
    );
  });
});

describe("local backend", () => {
  test("default file terraform.<stack>.tfstate in the project root (three levels above cdktf.out/stacks/<stack>)", () => {
    expect(terraformBlock({ type: "local" }).backend).toEqual({
      local: { path: "../../../terraform.dev.tfstate" },
    });
  });

  test("relative paths are relative to the project root; absolute paths are kept", () => {
    expect(terraformBlock({ type: "local", path: "state/dev.tfstate" }).backend).toEqual({
      local: { path: "../../../state/dev.tfstate" },
    });
    expect(terraformBlock({ type: "local", path: "/var/lib/tf/dev.tfstate" }).backend).toEqual({
      local: { path: "/var/lib/tf/dev.tfstate" },
    });
  });
});

describe("cloud backend", () => {
  test("named workspace with project, default hostname", () => {
    const tf = terraformBlock({
      type: "cloud",
      organization: "acme-hr",
      workspace: { name: "hr-chatbot-dev" },
      project: "HR chatbot",
    });
    expect(tf.backend).toBeUndefined();
    expect(tf.cloud).toEqual({
      organization: "acme-hr",
      hostname: "app.terraform.io",
      workspaces: { name: "hr-chatbot-dev", project: "HR chatbot" },
    });
  });

  test("tagged workspaces and a Terraform Enterprise hostname", () => {
    const tf = terraformBlock({
      type: "cloud",
      organization: "acme-hr",
      workspace: { tags: ["hr-chatbot", "env:dev"] },
      hostname: "tfe.example.com",
    });
    expect(tf.cloud).toEqual({
      organization: "acme-hr",
      hostname: "tfe.example.com",
      workspaces: { tags: ["hr-chatbot", "env:dev"] },
    });
  });
});

describe("configureBackend", () => {
  test("a stack gets one backend", () => {
    const stack = new TerraformStack(Testing.app(), "dev");
    configureBackend(stack, s3, ctx);
    expect(() => configureBackend(stack, { type: "local" }, ctx)).toThrow(/backend/);
  });

  test("validates hand-written sections and the context", () => {
    const stack = new TerraformStack(Testing.app(), "dev");
    expect(() => configureBackend(stack, { ...s3, bucket: "Bad_Bucket" }, ctx)).toThrow(
      'backend.bucket "Bad_Bucket" must contain only lower-case letters',
    );
    expect(() => configureBackend(stack, s3, { ...ctx, stackName: "a/b" })).toThrow(
      'backend context stackName "a/b"',
    );
  });
});

describe("backendConfigSchema", () => {
  test("accepts each kind and keeps optional fields unset", () => {
    expect(backendConfigSchema.parse(s3)).toEqual(s3);
    expect(backendConfigSchema.parse({ type: "local" })).toEqual({ type: "local" });
    expect(
      backendConfigSchema.parse({ type: "cloud", organization: "acme", workspace: { tags: ["hr"] } }),
    ).toEqual({ type: "cloud", organization: "acme", workspace: { tags: ["hr"] } });
  });

  test.each([
    ["ab", "must be 3-63 characters long"],
    ["a".repeat(64), "must be 3-63 characters long"],
    ["HR-Chatbot-State", "must contain only lower-case letters, digits, hyphens and periods"],
    ["hr_chatbot_state", "must contain only lower-case letters, digits, hyphens and periods"],
    ["-hr-chatbot", "must begin and end with a letter or digit"],
    ["hr-chatbot-", "must begin and end with a letter or digit"],
    ["hr..chatbot", "must not contain two adjacent periods"],
    ["192.168.10.1", "must not be formatted as an IP address"],
    ["xn--hr-chatbot", 'must not start with the reserved prefix "xn--"'],
    ["sthree-state", 'must not start with the reserved prefix "sthree-"'],
    ["hr-chatbot-s3alias", 'must not end with the reserved suffix "-s3alias"'],
    ["hr-chatbot--ol-s3", 'must not end with the reserved suffix "--ol-s3"'],
    [
      "hr.chatbot.state",
      "must not contain periods (HTTPS requests to a dotted bucket name fail the certificate check)",
    ],
  ])("bucket %j is rejected: %s", (bucket, rule) => {
    expect(rejection({ ...s3, bucket })).toBe(`backend.bucket ${JSON.stringify(bucket)} ${rule}`);
  });

  test("s3 rejections name the field and the rule", () => {
    expect(rejection({ type: "s3", region: "ap-northeast-1" })).toBe(
      "backend.bucket (unset) is required: the name of the state bucket",
    );
    expect(rejection({ ...s3, bucket: 42 })).toBe("backend.bucket 42 must be a string");
    expect(rejection({ ...s3, region: "tokyo" })).toMatch(
      /^backend\.region "tokyo" must be an AWS region code such as ap-northeast-1 that exists/,
    );
    expect(rejection({ ...s3, keyPrefix: "/hr-chatbot/" })).toMatch(
      /^backend\.keyPrefix "\/hr-chatbot\/" must be one or more/,
    );
    expect(rejection({ ...s3, kmsKeyId: "my-key" })).toBe(
      'backend.kmsKeyId "my-key" must be a KMS key ARN, alias ARN, key id or alias/<name>',
    );
    expect(rejection({ ...s3, roleArn: "arn:aws:iam::123:user/me" })).toBe(
      'backend.roleArn "arn:aws:iam::123:user/me" must be an IAM role ARN',
    );
  });

  test("locking and encryption cannot be configured away", () => {
    expect(rejection({ ...s3, dynamodbTable: "terraform-locks" })).toBe(
      'backend.dynamodbTable "terraform-locks" is not a setting of the s3 backend: locking always uses the S3 lock file (use_lockfile), DynamoDB locking is deprecated',
    );
    expect(rejection({ ...s3, encrypt: false })).toBe(
      "backend.encrypt false is not a setting of the s3 backend: it is always true",
    );
    expect(rejection({ ...s3, useLockfile: false })).toBe(
      "backend.useLockfile false is not a setting of the s3 backend: it is always true",
    );
    expect(rejection({ ...s3, key: "state.tfstate" })).toMatch(
      /^backend\.key "state\.tfstate" is not a setting/,
    );
  });

  test("cloud rejections", () => {
    expect(rejection({ type: "cloud", workspace: { name: "hr-chatbot-dev" } })).toBe(
      "backend.organization (unset) is required: the HCP Terraform organization",
    );
    expect(rejection({ type: "cloud", organization: "acme corp", workspace: { name: "dev" } })).toBe(
      "backend.organization \"acme corp\" must contain only letters, digits, '-' and '_'",
    );
    expect(rejection({ type: "cloud", organization: "acme" })).toBe(
      "backend.workspace (unset) must be either { name: <workspace> } or { tags: [<tag>, ...] }",
    );
    expect(rejection({ type: "cloud", organization: "acme", workspace: { name: "a", tags: ["b"] } })).toBe(
      'backend.workspace {"name":"a","tags":["b"]} must be either { name: <workspace> } or { tags: [<tag>, ...] }',
    );
    expect(
      rejection({ type: "cloud", organization: "acme", workspace: { name: "dev", id: "ws-1" } }),
    ).toMatch(/^backend\.workspace/);
    expect(rejection({ type: "cloud", organization: "acme", workspace: { tags: [] } })).toBe(
      "backend.workspace.tags [] must list at least one tag",
    );
    expect(rejection({ type: "cloud", organization: "acme", workspace: { tags: ["ok", "not ok"] } })).toMatch(
      /^backend\.workspace\.tags\[1\] "not ok" must contain only letters/,
    );
    expect(
      rejection({ type: "cloud", organization: "acme", workspace: { name: "dev" }, hostname: "https://x" }),
    ).toMatch(/^backend\.hostname "https:\/\/x" must be a host name/);
    expect(
      rejection({ type: "cloud", organization: "acme", workspace: { name: "dev" }, token: "x" }),
    ).toMatch(/^backend\.token "x" is not a setting of the cloud backend: use `terraform login`/);
  });

  test("unknown type and non-objects", () => {
    expect(rejection({ type: "gcs", bucket: "x" })).toBe(
      'backend.type "gcs" must be "s3", "local" or "cloud"',
    );
    expect(rejection({ bucket: "x" })).toBe('backend.type (unset) must be "s3", "local" or "cloud"');
    expect(rejection("s3")).toBe('backend "s3" must be an object with a type');
    expect(rejection({ type: "local", path: "" })).toBe('backend.path "" must not be empty');
  });
});
