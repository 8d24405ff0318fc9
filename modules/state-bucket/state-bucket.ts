/**
 * The S3 bucket that holds every stack's Terraform state, hardened: versioned
 * (each state write is a recoverable version), encrypted, private, owner
 * enforced, TLS only, protected from `terraform destroy`, with a lifecycle
 * that bounds the history without losing the recent versions. It also emits
 * the least-privilege IAM policy a deploy role needs to read, write and lock
 * state under the project's key prefix.
 */
import { Construct } from "constructs";
import { Token } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { BaseProps, RoleRef, fail, validateIntRange, validateName, withName } from "../core";
import { validateS3BucketName } from "../core/aws-names";
import { type Grant, type PolicyStatement, policyDocument } from "../core/iam";
import { validateKmsKeyArn } from "../core/arn";
import { validateStateKeyPrefix } from "../backend";

/** Properties of {@link StateBucket}. */
export interface StateBucketProps extends BaseProps {
  /**
   * Globally unique bucket name. Must be a literal: backend configurations
   * cannot reference resources, so every stack's `backend.bucket` repeats it.
   */
  readonly bucketName: string;
  /**
   * ARN of a customer managed KMS key: SSE-KMS with an S3 bucket key, and the
   * deploy policy gets `kms:Encrypt/Decrypt/GenerateDataKey` on it.
   * @default SSE-S3 (AES256), no KMS permissions
   */
  readonly kmsKeyArn?: string;
  /**
   * Days a state version stays after it is replaced, before it may expire.
   * @default 90
   */
  readonly noncurrentVersionRetentionDays?: number;
  /**
   * Replaced versions per state object kept regardless of age (S3
   * `NewerNoncurrentVersions`, 1-100), so a rarely changed stack still has
   * history to recover from.
   * @default 10
   */
  readonly newerNoncurrentVersionsToKeep?: number;
  /**
   * Days after which incomplete multipart uploads are aborted.
   * @default 7
   */
  readonly abortIncompleteMultipartDays?: number;
  /**
   * Key prefix of the state objects the deploy policy may touch
   * (`<prefix>/...*.tfstate` and their `.tflock` lock objects).
   * @default the `name` prop (the project name)
   */
  readonly stateKeyPrefix?: string;
  /**
   * Existing bucket that receives S3 server access logs of the state bucket.
   * @default no access logging
   */
  readonly accessLogBucket?: string;
  /**
   * Key prefix of the access log objects in `accessLogBucket`.
   * @default `<bucketName>/`
   */
  readonly accessLogPrefix?: string;
}

/** Hardened S3 bucket for Terraform state, plus the deploy policy to use it. */
export class StateBucket extends Construct {
  /** The bucket's name. */
  public readonly bucketName: string;
  /** The bucket's ARN. */
  public readonly bucketArn: string;
  /** ARN of the `<name>-terraform-state-access` IAM policy (attach it to deploy roles). */
  public readonly deployPolicyArn: string;
  /** The deploy policy document as JSON (a Terraform token). */
  public readonly deployPolicyJson: string;
  /** Key prefix the deploy policy is scoped to. */
  public readonly stateKeyPrefix: string;

  private grants = 0;
  private readonly deployStatements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);

    const name = validateName("name", props.name);
    const bucketName = props.bucketName;
    if (Token.isUnresolved(bucketName)) {
      fail(
        "bucketName",
        bucketName,
        "must be a literal name (backend configurations cannot reference resources)",
      );
    }
    validateS3BucketName("bucketName", bucketName);
    const kmsKeyArn = validateKmsKeyArn("kmsKeyArn", props.kmsKeyArn);
    const retentionDays = validateIntRange(
      "noncurrentVersionRetentionDays",
      props.noncurrentVersionRetentionDays ?? 90,
      1,
      36500,
    );
    const versionsToKeep = validateIntRange(
      "newerNoncurrentVersionsToKeep",
      props.newerNoncurrentVersionsToKeep ?? 10,
      1,
      100,
    );
    const abortDays = validateIntRange(
      "abortIncompleteMultipartDays",
      props.abortIncompleteMultipartDays ?? 7,
      1,
      3650,
    );
    const prefix = validateStateKeyPrefix("stateKeyPrefix", props.stateKeyPrefix ?? name);
    if (props.accessLogBucket !== undefined && !Token.isUnresolved(props.accessLogBucket)) {
      validateS3BucketName("accessLogBucket", props.accessLogBucket, { allowPeriods: true });
    }
    if (props.accessLogBucket === undefined && props.accessLogPrefix !== undefined) {
      fail("accessLogPrefix", props.accessLogPrefix, "needs accessLogBucket");
    }

    const bucket = new S3Bucket(this, "bucket", {
      bucket: bucketName,
      forceDestroy: false,
      tags: withName(props.tags, bucketName),
      lifecycle: { preventDestroy: true },
    });

    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });

    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: bucket.id,
      rule: [
        kmsKeyArn
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });

    const publicAccess = new S3BucketPublicAccessBlock(this, "public-access", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    new S3BucketOwnershipControls(this, "ownership", {
      bucket: bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });

    const everything = [bucket.arn, `${bucket.arn}/*`];
    new S3BucketPolicy(this, "policy", {
      bucket: bucket.id,
      policy: policyDocument(
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: everything,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "DenyOutdatedTls",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: everything,
          Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
        },
      ),
      dependsOn: [publicAccess],
    });

    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "state-history",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [
            { noncurrentDays: retentionDays, newerNoncurrentVersions: versionsToKeep },
          ],
          // Every unlock deletes the `.tflock` object; once its old versions
          // have expired, the lone delete marker is removed too.
          expiration: [{ expiredObjectDeleteMarker: true }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: abortDays }],
        },
      ],
      dependsOn: [versioning],
    });

    if (props.accessLogBucket !== undefined) {
      new S3BucketLoggingA(this, "logging", {
        bucket: bucket.id,
        targetBucket: props.accessLogBucket,
        targetPrefix: props.accessLogPrefix ?? `${bucketName}/`,
      });
    }

    const statements: PolicyStatement[] = [
      {
        Sid: "ListStateKeys",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: bucket.arn,
        Condition: { StringLike: { "s3:prefix": [`${prefix}/*`] } },
      },
      {
        Sid: "ReadWriteStateAndLockObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: [`${bucket.arn}/${prefix}/*.tfstate`, `${bucket.arn}/${prefix}/*.tfstate.tflock`],
      },
    ];
    if (kmsKeyArn) {
      statements.push({
        Sid: "UseStateKey",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
        Resource: kmsKeyArn,
      });
    }
    this.deployStatements = statements;
    this.deployPolicyJson = policyDocument(...statements);

    const deployPolicy = new IamPolicy(this, "deploy-policy", {
      name: `${name}-terraform-state-access`,
      description: `Read, write and lock Terraform state under ${prefix}/ in ${bucketName}`,
      policy: this.deployPolicyJson,
      tags: withName(props.tags, `${name}-terraform-state-access`),
    });

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.deployPolicyArn = deployPolicy.arn;
    this.stateKeyPrefix = prefix;
  }

  /**
   * Attach the deploy policy to `role`, so it can read, write and lock the
   * state under {@link stateKeyPrefix}. Attachment ids follow call order
   * (`state-access`, `state-access-2`, ...).
   * @returns the grant: the policy attachment and the deploy policy's statements
   */
  public grantStateAccess(role: RoleRef): Grant {
    this.grants += 1;
    const id = this.grants === 1 ? "state-access" : `state-access-${this.grants}`;
    const policy = new IamRolePolicyAttachment(this, id, {
      role: role.name,
      policyArn: this.deployPolicyArn,
    });
    return { grantee: role, policy, statements: this.deployStatements };
  }
}
