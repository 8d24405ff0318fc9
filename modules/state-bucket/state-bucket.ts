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
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { BaseProps, RoleRef, fail, validateIntRange, validateName, withName } from "../core";
import { validateS3BucketName } from "../core/aws-names";
import { type Grant, type PolicyStatement, policyDocument } from "../core/iam";
import { validateKmsKeyArn } from "../core/arn";
import { defaultKeyPolicy } from "../core/kms";
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
   * Key prefixes of the state objects the deploy policy may touch, one per
   * environment (`<keyPrefix>/<environment>`, plus the bootstrap's own
   * `<project>/bootstrap`), so the policy names exactly the environments
   * whose state lives here. Replaces `stateKeyPrefix` when given.
   * @default `[stateKeyPrefix]`
   */
  readonly stateKeyPrefixes?: readonly string[];
  /**
   * KMS keys that encrypt some state objects (the S3 backend's `kms_key_id`
   * of an environment), while the bucket default stays as `kmsKeyArn` says:
   * the deploy policy may use them to read and write that state.
   * @default none
   */
  readonly stateKmsKeyArns?: readonly string[];
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
  /** Key prefix the deploy policy is scoped to (the first of {@link stateKeyPrefixes}). */
  public readonly stateKeyPrefix: string;
  /** Every key prefix the deploy policy is scoped to. */
  public readonly stateKeyPrefixes: readonly string[];

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
    const prefixes = (props.stateKeyPrefixes ?? [props.stateKeyPrefix ?? name]).map((p, i) =>
      validateStateKeyPrefix(props.stateKeyPrefixes ? `stateKeyPrefixes[${i}]` : "stateKeyPrefix", p),
    );
    if (prefixes.length === 0) fail("stateKeyPrefixes", prefixes, "must list at least one key prefix");
    const prefix = prefixes[0];
    const stateKmsKeyArns = (props.stateKmsKeyArns ?? []).map(
      (k, i) => validateKmsKeyArn(`stateKmsKeyArns[${i}]`, k) as string,
    );
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
        Condition: { StringLike: { "s3:prefix": prefixes.map((p) => `${p}/*`) } },
      },
      {
        Sid: "ReadWriteStateAndLockObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: prefixes.flatMap((p) => [
          `${bucket.arn}/${p}/*.tfstate`,
          `${bucket.arn}/${p}/*.tfstate.tflock`,
        ]),
      },
    ];
    const keys = [...(kmsKeyArn ? [kmsKeyArn] : []), ...stateKmsKeyArns];
    if (keys.length > 0) {
      statements.push({
        Sid: "UseStateKey",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
        Resource: keys.length === 1 ? keys[0] : keys,
      });
    }
    this.deployStatements = statements;
    this.deployPolicyJson = policyDocument(...statements);

    const deployPolicy = new IamPolicy(this, "deploy-policy", {
      name: `${name}-terraform-state-access`,
      description: `Read, write and lock Terraform state under ${prefixes.map((p) => `${p}/`).join(", ")} in ${bucketName}`,
      policy: this.deployPolicyJson,
      tags: withName(props.tags, `${name}-terraform-state-access`),
    });

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.deployPolicyArn = deployPolicy.arn;
    this.stateKeyPrefix = prefix;
    this.stateKeyPrefixes = prefixes;
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

/** Properties of {@link StateKmsKey}. */
export interface StateKmsKeyProps extends BaseProps {
  /**
   * Alias of the key, as environment files name it in `backend.kmsKeyId`
   * (`alias/<name>`; not under `alias/aws/`).
   */
  readonly aliasName: string;
  /**
   * Days a deleted key waits before it is gone (7-30); state encrypted with
   * it cannot be read once it is.
   * @default 30
   * @see https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html
   */
  readonly deletionWindowInDays?: number;
}

/** `alias/<name>`: letters, digits, `/`, `_` and `-`, not AWS's own `alias/aws/`. */
const STATE_KEY_ALIAS_RE = /^alias\/(?!aws\/)[A-Za-z0-9/_-]{1,250}$/;

/**
 * A customer managed KMS key for Terraform state objects (the S3 backend's
 * `kms_key_id`): automatic yearly rotation on, AWS's default key policy (the
 * account's IAM policies decide who uses it, as the deploy policy of
 * {@link StateBucket} does), and the alias environment files refer to.
 * @see https://developer.hashicorp.com/terraform/language/backend/s3#kms_key_id
 */
export class StateKmsKey extends Construct {
  /** The key's ARN. */
  public readonly arn: string;
  /** The alias name (`alias/<name>`). */
  public readonly aliasName: string;

  constructor(scope: Construct, id: string, props: StateKmsKeyProps) {
    super(scope, id);
    const name = validateName("name", props.name);
    if (!STATE_KEY_ALIAS_RE.test(props.aliasName)) {
      fail(
        "aliasName",
        props.aliasName,
        'must be "alias/<name>" (letters, digits, /, _ and -), not under alias/aws/',
      );
    }
    const deletionWindowInDays = validateIntRange(
      "deletionWindowInDays",
      props.deletionWindowInDays ?? 30,
      7,
      30,
    );
    const key = new KmsKey(this, "key", {
      description: `Encrypts the ${name} Terraform state objects`,
      enableKeyRotation: true,
      deletionWindowInDays,
      tags: withName(props.tags, props.aliasName.slice("alias/".length)),
    });
    defaultKeyPolicy(this, key);
    new KmsAlias(this, "alias", { name: props.aliasName, targetKeyId: key.keyId });
    this.arn = key.arn;
    this.aliasName = props.aliasName;
  }
}
