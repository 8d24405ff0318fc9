import { Testing } from "cdktf";
import { onlyResource, synthJson, type SynthJson } from "../modules/core/testing";
import { StateBootstrapStack, type StateBootstrapStackProps } from "./state-bootstrap-stack";

const props: StateBootstrapStackProps = {
  project: "hr-chatbot",
  region: "ap-northeast-1",
  bucketName: "hr-chatbot-tfstate-123456789012",
  tags: { Project: "hr-chatbot", Environment: "shared" },
};
const KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function synth(extra: Partial<StateBootstrapStackProps> = {}, id = "state-bootstrap"): SynthJson {
  return synthJson(new StateBootstrapStack(Testing.app(), id, { ...props, ...extra }));
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
const statements = (policy: unknown): Statement[] =>
  (JSON.parse(policy as string) as { Statement: Statement[] }).Statement;
const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

describe("StateBootstrapStack", () => {
  const json = synth();

  test("AWS provider in the given region with default tags; no random provider, no data sources", () => {
    expect(json.provider?.aws).toEqual([
      {
        region: "ap-northeast-1",
        default_tags: [{ tags: { Project: "hr-chatbot", Environment: "shared" } }],
      },
    ]);
    expect(Object.keys(json.provider ?? {})).toEqual(["aws"]);
    expect(json.data).toBeUndefined();
  });

  test("every protection of the state bucket", () => {
    expect(onlyResource(json, "aws_s3_bucket")).toMatchObject({
      bucket: "hr-chatbot-tfstate-123456789012",
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
    expect(onlyResource(json, "aws_s3_bucket_versioning").versioning_configuration).toEqual({
      status: "Enabled",
    });
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls").rule).toEqual({
      object_ownership: "BucketOwnerEnforced",
    });
    const deny = statements(onlyResource(json, "aws_s3_bucket_policy").policy);
    expect(deny).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
    const [rule] = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule as Record<
      string,
      unknown
    >[];
    expect(rule).toMatchObject({
      status: "Enabled",
      noncurrent_version_expiration: [{ noncurrent_days: 90, newer_noncurrent_versions: 10 }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
  });

  test("customer managed key: SSE-KMS and KMS permissions in the deploy policy", () => {
    const withKey = synth({ kmsKeyArn: KEY_ARN });
    expect(onlyResource(withKey, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN },
        bucket_key_enabled: true,
      },
    ]);
    expect(statements(onlyResource(withKey, "aws_iam_policy").policy)).toContainEqual(
      expect.objectContaining({
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
        Resource: KEY_ARN,
      }),
    );
  });

  test("deploy policy: list under the project prefix, objects only .tfstate and .tflock, no wildcard actions", () => {
    const policy = onlyResource(json, "aws_iam_policy");
    expect(policy.name).toBe("hr-chatbot-terraform-state-access");
    const doc = statements(policy.policy);
    const list = doc.find((s) => asList(s.Action).includes("s3:ListBucket"));
    expect(list?.Condition).toEqual({ StringLike: { "s3:prefix": ["hr-chatbot/*"] } });
    expect(list?.Resource).toBe("${aws_s3_bucket.state_bucket_803B4E61.arn}");
    const objects = doc.find((s) => asList(s.Action).includes("s3:GetObject"));
    expect(asList(objects?.Action ?? []).sort()).toEqual(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]);
    expect(asList(objects?.Resource ?? []).map((r) => r.replace(/^\$\{[^}]+\}/, "<bucket>"))).toEqual([
      "<bucket>/hr-chatbot/*.tfstate",
      "<bucket>/hr-chatbot/*.tfstate.tflock",
    ]);
    for (const s of doc) {
      expect(s.Effect).toBe("Allow");
      for (const action of asList(s.Action)) expect(action).not.toContain("*");
    }
  });

  test("allowed accounts, each environment's key prefix plus its own, a state KMS key per alias asked for", () => {
    const scoped = synth({
      allowedAccountIds: ["123456789012"],
      stateKeyPrefixes: ["hr-chatbot/dev", "hr-chatbot/prod"],
      stateKmsKeyAliases: ["alias/hr-chatbot-terraform-state"],
    });
    expect((scoped.provider?.aws[0] as Record<string, unknown>).allowed_account_ids).toEqual([
      "123456789012",
    ]);
    const doc = statements(onlyResource(scoped, "aws_iam_policy").policy);
    expect(doc[0].Condition).toEqual({
      StringLike: { "s3:prefix": ["hr-chatbot/dev/*", "hr-chatbot/prod/*", "hr-chatbot/bootstrap/*"] },
    });
    expect(onlyResource(scoped, "aws_kms_key")).toMatchObject({ enable_key_rotation: true });
    expect(onlyResource(scoped, "aws_kms_alias").name).toBe("alias/hr-chatbot-terraform-state");
    expect(doc).toContainEqual(
      expect.objectContaining({
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "${aws_kms_key.state-key-hr-chatbot-terraform-state_key_1F641B02.arn}",
      }),
    );
  });

  test("outputs: bucket name and ARN, deploy policy ARN and JSON", () => {
    expect(json.output).toEqual({
      bucket_name: expect.objectContaining({ value: "${aws_s3_bucket.state_bucket_803B4E61.bucket}" }),
      bucket_arn: { value: "${aws_s3_bucket.state_bucket_803B4E61.arn}" },
      deploy_policy_arn: expect.objectContaining({
        value: "${aws_iam_policy.state_deploy-policy_636F889D.arn}",
      }),
      deploy_policy_json: { value: onlyResource(json, "aws_iam_policy").policy },
    });
  });

  test('backend "local" (the default): state file in the project root', () => {
    expect(json.terraform?.backend).toEqual({
      local: { path: "../../../terraform.state-bootstrap.tfstate" },
    });
  });

  test('backend "s3": own state in the bucket it created, encrypted, with the S3 lock file', () => {
    expect(synth({ backend: "s3" }).terraform?.backend).toEqual({
      s3: {
        bucket: "hr-chatbot-tfstate-123456789012",
        region: "ap-northeast-1",
        key: "hr-chatbot/bootstrap/state-bootstrap.tfstate",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  test("switching the backend changes nothing else", () => {
    const withoutTerraformBlock = (j: SynthJson) => ({ ...j, terraform: undefined });
    expect(withoutTerraformBlock(synth({ backend: "s3" }))).toEqual(withoutTerraformBlock(json));
  });

  test("invalid input is rejected with the field and the rule", () => {
    expect(() => synth({ region: "Tokyo" })).toThrow(
      'region "Tokyo" must be an AWS region code such as ap-northeast-1',
    );
    expect(() => synth({ project: "HR Chatbot" })).toThrow(
      'project "HR Chatbot" must be 2-40 lower-case letters',
    );
    expect(() => synth({ bucketName: "HR" })).toThrow('bucketName "HR" must be 3-63 characters long');
    expect(() => synth({ backend: "dynamodb" as "s3" })).toThrow(
      'backend "dynamodb" must be "local" or "s3"',
    );
  });
});
