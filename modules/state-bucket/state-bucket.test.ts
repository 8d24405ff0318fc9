import { TerraformOutput, TerraformStack, Token } from "cdktf";
import { onlyResource, resourcesOf, synthJson, testStack, type SynthJson } from "../core/testing";
import { StateBucket, StateKmsKey, type StateBucketProps } from "./state-bucket";

const KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const base: StateBucketProps = { name: "hr-chatbot", bucketName: "hr-chatbot-tfstate-123456789012" };

interface Statement {
  Sid: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

function build(props: Partial<StateBucketProps> = {}): {
  json: SynthJson;
  bucket: StateBucket;
  stack: TerraformStack;
} {
  const { stack } = testStack();
  const bucket = new StateBucket(stack, "state", { ...base, ...props });
  return { json: synthJson(stack), bucket, stack };
}

function statements(policy: unknown): Statement[] {
  return (JSON.parse(policy as string) as { Statement: Statement[] }).Statement;
}

const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
const BUCKET_ARN = "${aws_s3_bucket.state_bucket_803B4E61.arn}";

describe("StateBucket protections", () => {
  const { json } = build({ tags: { Project: "hr-chatbot" } });

  test("bucket: literal name, force_destroy false, prevent_destroy, Name tag", () => {
    expect(onlyResource(json, "aws_s3_bucket")).toEqual({
      bucket: "hr-chatbot-tfstate-123456789012",
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-tfstate-123456789012" },
    });
  });

  test("versioning enabled", () => {
    expect(onlyResource(json, "aws_s3_bucket_versioning").versioning_configuration).toEqual({
      status: "Enabled",
    });
  });

  test("SSE-S3 (AES256) without a KMS key", () => {
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
  });

  test("all four public access blocks", () => {
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  test("ACLs disabled: BucketOwnerEnforced", () => {
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls").rule).toEqual({
      object_ownership: "BucketOwnerEnforced",
    });
  });

  test("bucket policy denies every request without TLS, and TLS older than 1.2, on bucket and objects", () => {
    const policy = onlyResource(json, "aws_s3_bucket_policy");
    const [tls, version] = statements(policy.policy);
    expect(tls).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(version).toMatchObject({
      Effect: "Deny",
      Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
      Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
    });
    expect(statements(policy.policy).every((s) => s.Effect === "Deny")).toBe(true);
    expect(policy.depends_on).toEqual(["aws_s3_bucket_public_access_block.state_public-access_20555841"]);
  });

  test("lifecycle: noncurrent versions expire after 90 days keeping 10, multipart aborted after 7 days", () => {
    const lifecycle = onlyResource(json, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.rule).toEqual([
      {
        id: "state-history",
        status: "Enabled",
        filter: [{}],
        noncurrent_version_expiration: [{ noncurrent_days: 90, newer_noncurrent_versions: 10 }],
        expiration: [{ expired_object_delete_marker: true }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
    ]);
    expect(lifecycle.depends_on).toEqual(["aws_s3_bucket_versioning.state_versioning_27DF9ED5"]);
  });

  test("no access logging unless asked, no data sources", () => {
    expect(resourcesOf(json, "aws_s3_bucket_logging")).toEqual({});
    expect(json.data).toBeUndefined();
  });
});

describe("deploy policy", () => {
  test("ListBucket only under <prefix>/, object actions only on .tfstate and .tflock, no wildcard actions", () => {
    const { json } = build();
    const policy = onlyResource(json, "aws_iam_policy");
    expect(policy.name).toBe("hr-chatbot-terraform-state-access");
    const doc = statements(policy.policy);
    expect(doc).toEqual([
      {
        Sid: "ListStateKeys",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: BUCKET_ARN,
        Condition: { StringLike: { "s3:prefix": ["hr-chatbot/*"] } },
      },
      {
        Sid: "ReadWriteStateAndLockObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: [`${BUCKET_ARN}/hr-chatbot/*.tfstate`, `${BUCKET_ARN}/hr-chatbot/*.tfstate.tflock`],
      },
    ]);
    for (const s of doc) {
      expect(s.Effect).toBe("Allow");
      for (const action of asList(s.Action)) expect(action).not.toMatch(/\*/);
    }
    expect(JSON.stringify(doc)).not.toMatch(/dynamodb|kms:/);
  });

  test("KMS key: SSE-KMS with bucket key, and kms:Encrypt/Decrypt/GenerateDataKey on exactly that key", () => {
    const { json } = build({ kmsKeyArn: KEY_ARN });
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN },
        bucket_key_enabled: true,
      },
    ]);
    const kms = statements(onlyResource(json, "aws_iam_policy").policy).find((s) => s.Sid === "UseStateKey");
    expect(kms).toEqual({
      Sid: "UseStateKey",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
      Resource: KEY_ARN,
    });
  });

  test("stateKeyPrefix scopes list and object access", () => {
    const doc = statements(onlyResource(build({ stateKeyPrefix: "teams/hr" }).json, "aws_iam_policy").policy);
    expect(doc[0].Condition).toEqual({ StringLike: { "s3:prefix": ["teams/hr/*"] } });
    expect(doc[1].Resource).toEqual([
      `${BUCKET_ARN}/teams/hr/*.tfstate`,
      `${BUCKET_ARN}/teams/hr/*.tfstate.tflock`,
    ]);
  });

  test("stateKeyPrefixes: each environment's own prefix, nothing above them", () => {
    const { json, bucket } = build({
      stateKeyPrefixes: ["hr-chatbot/dev", "people-search/qa", "hr-chatbot/bootstrap"],
    });
    const doc = statements(onlyResource(json, "aws_iam_policy").policy);
    expect(doc[0].Condition).toEqual({
      StringLike: { "s3:prefix": ["hr-chatbot/dev/*", "people-search/qa/*", "hr-chatbot/bootstrap/*"] },
    });
    expect(doc[1].Resource).toEqual(
      ["hr-chatbot/dev", "people-search/qa", "hr-chatbot/bootstrap"].flatMap((p) => [
        `${BUCKET_ARN}/${p}/*.tfstate`,
        `${BUCKET_ARN}/${p}/*.tfstate.tflock`,
      ]),
    );
    expect(bucket.stateKeyPrefixes).toEqual(["hr-chatbot/dev", "people-search/qa", "hr-chatbot/bootstrap"]);
  });

  test("stateKmsKeyArns: the deploy policy may use the state keys; the bucket default stays SSE-S3", () => {
    const { json } = build({ stateKmsKeyArns: [KEY_ARN] });
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
    expect(statements(onlyResource(json, "aws_iam_policy").policy)).toContainEqual({
      Sid: "UseStateKey",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
      Resource: KEY_ARN,
    });
  });

  test("deployPolicyJson is the document of the IAM policy", () => {
    const { stack } = testStack();
    const bucket = new StateBucket(stack, "state", base);
    new TerraformOutput(stack, "doc", { value: bucket.deployPolicyJson });
    const json = synthJson(stack);
    expect(json.output?.doc.value).toBe(onlyResource(json, "aws_iam_policy").policy);
  });

  test("grantStateAccess attaches the policy to a role", () => {
    const { stack } = testStack();
    const bucket = new StateBucket(stack, "state", base);
    bucket.grantStateAccess({
      name: "hr-chatbot-deploy",
      arn: "arn:aws:iam::123456789012:role/hr-chatbot-deploy",
    });
    const ci = { name: "hr-chatbot-ci", arn: "arn:aws:iam::123456789012:role/hr-chatbot-ci" };
    const grant = bucket.grantStateAccess(ci);
    expect(grant.grantee).toBe(ci);
    expect(grant.policy.friendlyUniqueId).toBe("state_state-access-2_55BC97EA");
    expect(grant.statements.map((st) => st.Sid)).toEqual(["ListStateKeys", "ReadWriteStateAndLockObjects"]);
    const attachments = resourcesOf(synthJson(stack), "aws_iam_role_policy_attachment");
    expect(attachments).toEqual({
      "state_state-access_DB623421": expect.objectContaining({ role: "hr-chatbot-deploy" }),
      "state_state-access-2_55BC97EA": expect.objectContaining({ role: "hr-chatbot-ci" }),
    });
    for (const a of Object.values(attachments)) {
      expect(a.policy_arn).toBe("${aws_iam_policy.state_deploy-policy_636F889D.arn}");
    }
  });
});

describe("options", () => {
  test("retention, versions kept and multipart abort are configurable", () => {
    const { json } = build({
      noncurrentVersionRetentionDays: 30,
      newerNoncurrentVersionsToKeep: 25,
      abortIncompleteMultipartDays: 2,
    });
    const [rule] = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule as Record<
      string,
      unknown
    >[];
    expect(rule.noncurrent_version_expiration).toEqual([
      { noncurrent_days: 30, newer_noncurrent_versions: 25 },
    ]);
    expect(rule.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 2 }]);
  });

  test("access logging to another bucket", () => {
    const { json } = build({ accessLogBucket: "hr-chatbot-access-logs" });
    expect(onlyResource(json, "aws_s3_bucket_logging")).toEqual({
      bucket: "${aws_s3_bucket.state_bucket_803B4E61.id}",
      target_bucket: "hr-chatbot-access-logs",
      target_prefix: "hr-chatbot-tfstate-123456789012/",
    });
  });

  test("outputs reference the resources", () => {
    const { bucket } = build();
    for (const value of [
      bucket.bucketName,
      bucket.bucketArn,
      bucket.deployPolicyArn,
      bucket.deployPolicyJson,
    ]) {
      expect(Token.isUnresolved(value)).toBe(true);
    }
    expect(bucket.stateKeyPrefix).toBe("hr-chatbot");
  });
});

describe("validation", () => {
  test.each<[Partial<StateBucketProps>, string]>([
    [{ name: "HR" }, 'name "HR" must be 2-40 lower-case letters'],
    [
      { bucketName: "HR_State" },
      'bucketName "HR_State" must contain only lower-case letters, digits, hyphens and periods',
    ],
    [{ bucketName: "hr.state.bucket" }, 'bucketName "hr.state.bucket" must not contain periods'],
    [
      { kmsKeyArn: "arn:aws:kms:ap-northeast-1:123456789012:alias/state" },
      'kmsKeyArn "arn:aws:kms:ap-northeast-1:123456789012:alias/state" must be a KMS key ARN',
    ],
    [
      { noncurrentVersionRetentionDays: 0 },
      "noncurrentVersionRetentionDays 0 must be an integer from 1 to 36500",
    ],
    [
      { newerNoncurrentVersionsToKeep: 101 },
      "newerNoncurrentVersionsToKeep 101 must be an integer from 1 to 100",
    ],
    [
      { newerNoncurrentVersionsToKeep: 2.5 },
      "newerNoncurrentVersionsToKeep 2.5 must be an integer from 1 to 100",
    ],
    [{ abortIncompleteMultipartDays: 0 }, "abortIncompleteMultipartDays 0 must be an integer from 1 to 3650"],
    [{ stateKeyPrefix: "/hr-chatbot/" }, "stateKeyPrefix \"/hr-chatbot/\" must be '/'-separated segments"],
    [{ accessLogBucket: "Logs!" }, 'accessLogBucket "Logs!" must contain only lower-case letters'],
    [{ accessLogPrefix: "logs/" }, 'accessLogPrefix "logs/" needs accessLogBucket'],
    [{ stateKeyPrefixes: [] }, "stateKeyPrefixes [] must list at least one key prefix"],
    [{ stateKeyPrefixes: ["ok", "bad/"] }, "stateKeyPrefixes[1] \"bad/\" must be '/'-separated segments"],
    [{ stateKmsKeyArns: ["alias/state"] }, 'stateKmsKeyArns[0] "alias/state" must be a KMS key ARN'],
  ])("%j is rejected", (props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test("the bucket name must be a literal", () => {
    const { stack } = testStack();
    const other = new StateBucket(stack, "other", base);
    expect(() => new StateBucket(stack, "state", { ...base, bucketName: other.bucketName })).toThrow(
      /^bucketName ".*" must be a literal name \(backend configurations cannot reference resources\)$/,
    );
  });
});

describe("StateKmsKey", () => {
  test("rotation on, 30-day deletion window, the account's default key policy, the alias", () => {
    const { stack } = testStack();
    const key = new StateKmsKey(stack, "state-key", {
      name: "hr-chatbot",
      aliasName: "alias/hr-chatbot-terraform-state",
    });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
    const [statement] = statements(onlyResource(json, "aws_kms_key_policy").policy);
    expect(statement).toMatchObject({ Effect: "Allow", Action: "kms:*", Resource: "*" });
    expect(JSON.stringify(statement.Principal)).toMatch(/^\{"AWS":"arn:\$\{.+\}:iam::\$\{.+\}:root"\}$/);
    expect(onlyResource(json, "aws_kms_alias").name).toBe("alias/hr-chatbot-terraform-state");
    expect(key.aliasName).toBe("alias/hr-chatbot-terraform-state");
  });

  test.each([["hr-chatbot"], ["alias/aws/s3"], ["alias/has space"]])("alias %j is rejected", (aliasName) => {
    const { stack } = testStack();
    expect(() => new StateKmsKey(stack, "k", { name: "hr-chatbot", aliasName })).toThrow(
      `aliasName "${aliasName}" must be "alias/<name>"`,
    );
  });
});
