/**
 * Secrets Manager secrets holding JSON documents, and the grants that let a
 * role read them.
 *
 * - `JsonSecret`: a secret with an arbitrary JSON object as its value.
 * - `DatabaseSecret`: the application's database connection details
 *   `{host, port, database, username, password}`, and `AppSecret`: the JWT
 *   signing key `{secret_key, algorithm}`. Terraform creates both secrets
 *   without a value; the database bootstrap function generates and writes
 *   the values at apply time (`grantWrite`), so no secret value is ever in
 *   Terraform's plan or state. Synth fails when no role may write them.
 * - `SecretReference`: a secret made elsewhere (e.g. the master user secret
 *   RDS manages), with the same grants.
 * - `SecretsKey`: an optional customer managed KMS key for the secrets.
 *
 * Every secret grants read access through `grantRead(role)`: an inline policy
 * on the role scoped to exactly the secret's ARN (plus `kms:Decrypt` on its
 * customer key when it has one); `grantWrite(role)` adds `PutSecretValue`
 * (and `kms:GenerateDataKey`).
 */
import { createHash } from "node:crypto";
import { Annotations, Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import {
  BaseProps,
  ReadableSecret,
  RoleRef,
  WritableSecret,
  fail,
  validateIntRange,
  validateName,
  withName,
} from "../core";
import { validateRegion } from "../core/regions";
import { type Grant, type PolicyCondition, type PolicyStatement, policyDocument } from "../core/iam";
import { validateKmsKeyArn } from "../core/arn";
import { defaultKeyPolicy } from "../core/kms";

/** A JSON object stored in a secret. Values may be Terraform references. */
export type SecretJson = Readonly<Record<string, string | number>>;

/** Properties shared by every secret in this module. */
export interface SecretBaseProps extends BaseProps {
  /**
   * Name of the secret, as the application looks it up (e.g. `hr-chatbot/database`).
   * 1-512 characters: letters, digits and `/_+=.@-`.
   */
  readonly secretName: string;
  /**
   * Description shown in the Secrets Manager console.
   * @default a description of the secret's contents (none for `JsonSecret`)
   */
  readonly description?: string;
  /**
   * ARN of a customer managed KMS key (e.g. `SecretsKey.arn`) that encrypts the
   * secret. `grantRead` then also allows `kms:Decrypt` on this key.
   * @default the AWS managed key `aws/secretsmanager`
   */
  readonly kmsKeyArn?: string;
  /**
   * Days Secrets Manager keeps a deleted secret recoverable: 0 (delete
   * immediately) or 7-30.
   * @default 30
   */
  readonly recoveryWindowInDays?: number;
  /**
   * Region of the secret. When set, the `kms:Decrypt` grant is limited to
   * calls made through `secretsmanager.<region>.amazonaws.com`; otherwise to
   * Secrets Manager in any region.
   * @default any region
   */
  readonly region?: string;
}

/** Properties of a {@link JsonSecret}. */
export interface JsonSecretProps extends SecretBaseProps {
  /**
   * The secret's JSON value, written with `jsonencode` into a secret version.
   * Values may be Terraform references (they stay references, never literals).
   * @default no version: the secret is created empty and must be filled outside Terraform
   */
  readonly value?: SecretJson;
}

/** Properties of a {@link DatabaseSecret}. */
export type DatabaseSecretProps = SecretBaseProps;

/** JWT signing algorithms an {@link AppSecret} can name. */
export type JwtAlgorithm = "HS256" | "HS384" | "HS512";

/** Properties of an {@link AppSecret}. */
export interface AppSecretProps extends SecretBaseProps {
  /**
   * JWT signing algorithm stored next to the key.
   * @default "HS256"
   */
  readonly algorithm?: JwtAlgorithm;
}

/** Properties of a {@link SecretsKey}. */
export interface SecretsKeyProps extends BaseProps {
  /**
   * Days KMS waits before deleting the key after it is scheduled for deletion, 7-30.
   * @default 30
   */
  readonly deletionWindowInDays?: number;
  /**
   * Description of the key.
   * @default "Encrypts the <name> secrets"
   */
  readonly description?: string;
}

const SECRET_NAME_RE = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ["HS256", "HS384", "HS512"];

/** Validated settings shared by all secrets. */
interface ResolvedSecretProps {
  readonly name: string;
  readonly secretName: string;
  readonly kmsKeyArn?: string;
  readonly recoveryWindowInDays: number;
  readonly region?: string;
}

function validateSecretProps(props: SecretBaseProps): ResolvedSecretProps {
  const name = validateName("name", props.name);
  const secretName = props.secretName;
  if (typeof secretName !== "string" || !SECRET_NAME_RE.test(secretName)) {
    fail("secretName", secretName, "must be 1-512 characters of letters, digits and /_+=.@-");
  }
  const kmsKeyArn = validateKmsKeyArn("kmsKeyArn", props.kmsKeyArn);
  const recoveryWindowInDays = props.recoveryWindowInDays ?? 30;
  if (
    !Number.isInteger(recoveryWindowInDays) ||
    (recoveryWindowInDays !== 0 && (recoveryWindowInDays < 7 || recoveryWindowInDays > 30))
  ) {
    fail(
      "recoveryWindowInDays",
      recoveryWindowInDays,
      "must be 0 (delete immediately) or an integer from 7 to 30",
    );
  }
  const region = props.region;
  if (region !== undefined && !Token.isUnresolved(region)) validateRegion("region", region);
  return { name, secretName, kmsKeyArn, recoveryWindowInDays, region };
}

/** Name of the inline policy a grant puts on a role: unique per secret and access, at most 128 characters. */
function grantPolicyName(secretLabel: string, access: SecretAccess): string {
  const base = `${secretLabel.replace(/[^A-Za-z0-9+=,.@_-]/g, "-")}-${access}`;
  if (base.length <= 128) return base;
  const hash = createHash("sha256").update(secretLabel).digest("hex").slice(0, 8);
  return `${base.slice(0, 113)}-${hash}-${access}`;
}

/** What a grant allows: `read` the value, or `write` a new value (and read the current one). */
export type SecretAccess = "read" | "write";

const SECRET_ACTIONS: Readonly<Record<SecretAccess, string[]>> = {
  read: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
  write: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue"],
};
const KMS_ACTIONS: Readonly<Record<SecretAccess, string | string[]>> = {
  read: "kms:Decrypt",
  // Secrets Manager asks KMS for a data key to encrypt a new version
  write: ["kms:Decrypt", "kms:GenerateDataKey"],
};

/** Where a secret's grants come from: its ARN, label for policy names, key and region. */
interface SecretGrantTarget {
  readonly arn: string;
  readonly label: string;
  readonly kmsKeyArn?: string;
  readonly region?: string;
}

/**
 * Grants on one secret, one inline policy per (role, access). The same role
 * granted the same access twice gets the first grant back.
 */
class SecretGrants {
  private readonly made: { grant: Grant; access: SecretAccess }[] = [];

  constructor(
    private readonly scope: Construct,
    private readonly target: SecretGrantTarget,
  ) {}

  public rolesWith(access: SecretAccess): RoleRef[] {
    return this.made.filter((g) => g.access === access).map((g) => g.grant.grantee);
  }

  public grant(role: RoleRef, access: SecretAccess): Grant {
    const literalName = !Token.isUnresolved(role.name);
    const already = this.made.find(
      (g) =>
        g.access === access &&
        (g.grant.grantee === role || (literalName && g.grant.grantee.name === role.name)),
    );
    if (already) return already.grant;
    const { arn, kmsKeyArn, region } = this.target;
    const statements: PolicyStatement[] = [
      {
        Sid: access === "read" ? "ReadSecret" : "WriteSecret",
        Effect: "Allow",
        Action: SECRET_ACTIONS[access],
        Resource: arn,
      },
    ];
    if (kmsKeyArn !== undefined) {
      // Secrets Manager uses the encryption context {SecretARN: <arn>} with its key,
      // so the condition limits the key to this secret, called through Secrets Manager.
      const condition: PolicyCondition =
        region !== undefined
          ? {
              StringEquals: {
                "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
                "kms:EncryptionContext:SecretARN": arn,
              },
            }
          : {
              StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" },
              StringEquals: { "kms:EncryptionContext:SecretARN": arn },
            };
      statements.push({
        Sid: access === "read" ? "DecryptSecret" : "EncryptDecryptSecret",
        Effect: "Allow",
        Action: KMS_ACTIONS[access],
        Resource: kmsKeyArn,
        Condition: condition,
      });
    }
    const count = this.made.filter((g) => g.access === access).length;
    const id = literalName ? `grant-${access}-${role.name}` : `grant-${access}-${count}`;
    const policy = new IamRolePolicy(this.scope, id, {
      name: grantPolicyName(this.target.label, access),
      role: role.name,
      policy: policyDocument(...statements),
    });
    const grant: Grant = { grantee: role, policy, statements };
    this.made.push({ grant, access });
    return grant;
  }
}

/**
 * The part every secret shares: the `aws_secretsmanager_secret`, its
 * version when Terraform writes the value, and the grants. Subclasses decide
 * what the value is and who writes it.
 */
export abstract class SecretBase extends Construct implements WritableSecret {
  /** The secret's ARN. */
  public readonly arn: string;
  /** The secret's name as configured (`secretName`); the application looks the secret up by it. */
  public readonly name: string;
  /** The secret's id (Terraform `id`, equal to its ARN). */
  public readonly secretId: string;
  /** ARN of the customer managed key encrypting the secret; undefined for the AWS managed key. */
  public readonly kmsKeyArn?: string;
  /** The underlying secret resource. */
  protected readonly secret: SecretsmanagerSecret;
  private readonly access: SecretGrants;
  private valueVersion?: SecretsmanagerSecretVersion;

  protected constructor(scope: Construct, id: string, props: SecretBaseProps, defaultDescription?: string) {
    super(scope, id);
    const p = validateSecretProps(props);
    if (/-[A-Za-z0-9]{6}$/.test(p.secretName)) {
      Annotations.of(this).addWarning(
        `secretName "${p.secretName}" ends with a hyphen and six characters; Secrets Manager appends such a suffix to ARNs, so lookups by partial ARN can match the wrong secret`,
      );
    }
    if (p.recoveryWindowInDays === 0) {
      Annotations.of(this).addWarning(
        `secret "${p.secretName}" has recoveryWindowInDays 0: a deleted secret cannot be recovered`,
      );
    }
    this.secret = new SecretsmanagerSecret(this, "secret", {
      name: p.secretName,
      description: props.description ?? defaultDescription,
      kmsKeyId: p.kmsKeyArn,
      recoveryWindowInDays: p.recoveryWindowInDays,
      tags: withName(props.tags, p.secretName),
    });
    this.arn = this.secret.arn;
    this.name = p.secretName;
    this.secretId = this.secret.id;
    this.kmsKeyArn = p.kmsKeyArn;
    this.access = new SecretGrants(this, {
      arn: this.arn,
      label: p.secretName,
      kmsKeyArn: p.kmsKeyArn,
      region: p.region,
    });
  }

  /** Roles granted read access so far, in grant order. */
  public get grants(): readonly RoleRef[] {
    return this.access.rolesWith("read");
  }

  /** Roles granted write access so far, in grant order. */
  public get writers(): readonly RoleRef[] {
    return this.access.rolesWith("write");
  }

  /** True once Terraform writes the secret's value (a secret version). */
  public get hasValue(): boolean {
    return this.valueVersion !== undefined;
  }

  /**
   * The secret version holding the value, when Terraform writes it: put it in
   * `dependsOn` of anything that must not start before the secret can be read.
   * Undefined for secrets whose value is written outside Terraform.
   */
  public get version(): SecretsmanagerSecretVersion | undefined {
    return this.valueVersion;
  }

  /**
   * Allow `role` to read this secret: `secretsmanager:GetSecretValue` and
   * `secretsmanager:DescribeSecret` on exactly this secret's ARN, plus
   * `kms:Decrypt` on the customer key (only through Secrets Manager, only for
   * this secret) when there is one. Granting the same role twice creates
   * nothing new and returns the first grant.
   * @returns the grant: its inline role policy and statements
   */
  public grantRead(role: RoleRef): Grant {
    return this.access.grant(role, "read");
  }

  /**
   * Allow `role` to write this secret's value: `secretsmanager:PutSecretValue`,
   * `secretsmanager:GetSecretValue` (to see whether a valid value exists) and
   * `secretsmanager:DescribeSecret` on exactly this secret's ARN, plus
   * `kms:Decrypt` and `kms:GenerateDataKey` on the customer key (only through
   * Secrets Manager, only for this secret) when there is one.
   * @returns the grant: its inline role policy (`<secretName>-write`) and statements
   */
  public grantWrite(role: RoleRef): Grant {
    return this.access.grant(role, "write");
  }

  /** Write the secret's JSON value as its (only) version. */
  protected writeValue(value: SecretJson): void {
    if (this.valueVersion !== undefined) {
      throw new Error(`secret "${this.name}" already has a value; it is written once`);
    }
    this.valueVersion = new SecretsmanagerSecretVersion(this, "version", {
      secretId: this.secret.id,
      secretString: Fn.jsonencode(value),
    });
  }

  /**
   * Fail synth unless some role was granted write access: the value of this
   * secret is written at apply time by that role (no value ever passes
   * through Terraform), so without a writer the secret would stay empty.
   */
  protected requireWriter(what: string): void {
    this.node.addValidation({
      validate: () =>
        this.writers.length > 0
          ? []
          : [
              `${this.constructor.name} "${this.name}": no role was granted write access (grantWrite), so nothing would ever write ${what} and the application would read an empty secret. Pass this secret to the database bootstrap (DbBootstrap), which generates and writes the value.`,
            ],
    });
  }
}

/** A Secrets Manager secret whose value is a JSON object. */
export class JsonSecret extends SecretBase {
  constructor(scope: Construct, id: string, props: JsonSecretProps) {
    super(scope, id, props);
    const value = props.value;
    if (value === undefined) {
      Annotations.of(this).addWarning(
        `secret "${this.name}" has no value: it is created empty and must be filled outside Terraform before anything reads it`,
      );
      return;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) fail("value", value, "must have at least one key");
    for (const key of keys) {
      if (!/^[A-Za-z0-9_.-]{1,128}$/.test(key)) {
        fail(`value[${JSON.stringify(key)}]`, key, "is not a valid key (1-128 letters, digits, _ . -)");
      }
      const v = value[key];
      if (typeof v !== "string" && !(typeof v === "number" && Number.isFinite(v))) {
        fail(`value.${key}`, v, "must be a string or a finite number");
      }
    }
    this.writeValue(value);
  }
}

/**
 * The application's database connection secret `{host, port, database,
 * username, password}`. Terraform creates the secret and never its value: the
 * database bootstrap function (granted `grantWrite`) creates the
 * application's database role, generates its password at apply time and
 * writes the whole document with `PutSecretValue`. Synth fails when no role
 * is granted write access, since the secret would stay empty.
 */
export class DatabaseSecret extends SecretBase {
  /** The JSON keys of the value, the application's contract. */
  public static readonly KEYS = ["host", "port", "database", "username", "password"] as const;

  constructor(scope: Construct, id: string, props: DatabaseSecretProps) {
    super(
      scope,
      id,
      props,
      `Connection details of the ${props.name} database for the application (host, port, database, username, password)`,
    );
    this.requireWriter("the connection details");
  }
}

/**
 * Application secrets `{secret_key, algorithm}`: the JWT signing key (64
 * random bytes, base64) and its algorithm. Terraform creates the secret and
 * never its value: the database bootstrap function (granted `grantWrite`)
 * generates the key at apply time and writes it with `PutSecretValue`. Synth
 * fails when no role is granted write access.
 */
export class AppSecret extends SecretBase {
  /** The JWT algorithm the writer stores next to the key. */
  public readonly algorithm: JwtAlgorithm;
  /** Length of the generated signing key in bytes (before base64). */
  public readonly keyLengthBytes = 64;

  constructor(scope: Construct, id: string, props: AppSecretProps) {
    super(scope, id, props, `JWT signing key of ${props.name} (secret_key, algorithm)`);
    const algorithm = props.algorithm ?? "HS256";
    if (!JWT_ALGORITHMS.includes(algorithm)) {
      fail("algorithm", algorithm, `must be one of ${JWT_ALGORITHMS.join(", ")}`);
    }
    this.algorithm = algorithm;
    this.requireWriter("the signing key");
  }
}

/** Properties of a {@link SecretReference}. */
export interface SecretReferenceProps {
  /** ARN of the secret (a literal or a Terraform reference). */
  readonly arn: string;
  /**
   * Label of the secret in grant policy names (`<label>-read`): letters,
   * digits and `/_+=.@-`.
   */
  readonly label: string;
  /**
   * ARN of the customer managed key encrypting the secret.
   * @default the AWS managed key `aws/secretsmanager` (no KMS statement)
   */
  readonly kmsKeyArn?: string;
  /**
   * Region of the secret (limits `kms:ViaService`).
   * @default Secrets Manager in any region
   */
  readonly region?: string;
}

/**
 * A secret this module did not create (e.g. the master user secret RDS
 * manages for a cluster), with the same grants as the secrets of this
 * module. Its `name` is its ARN, which every Secrets Manager call accepts as
 * `SecretId`.
 */
export class SecretReference extends Construct implements ReadableSecret {
  /** The secret's ARN. */
  public readonly arn: string;
  /** The secret's ARN (the name of a secret made elsewhere is not known at synth time). */
  public readonly name: string;
  /** ARN of the customer managed key encrypting the secret, if any. */
  public readonly kmsKeyArn?: string;
  private readonly access: SecretGrants;

  constructor(scope: Construct, id: string, props: SecretReferenceProps) {
    super(scope, id);
    if (typeof props.label !== "string" || !SECRET_NAME_RE.test(props.label)) {
      fail("label", props.label, "must be 1-512 characters of letters, digits and /_+=.@-");
    }
    const kmsKeyArn = validateKmsKeyArn("kmsKeyArn", props.kmsKeyArn);
    if (props.region !== undefined && !Token.isUnresolved(props.region))
      validateRegion("region", props.region);
    this.arn = props.arn;
    this.name = props.arn;
    this.kmsKeyArn = kmsKeyArn;
    this.access = new SecretGrants(this, {
      arn: props.arn,
      label: props.label,
      kmsKeyArn,
      region: props.region,
    });
  }

  /** Roles granted read access so far, in grant order. */
  public get grants(): readonly RoleRef[] {
    return this.access.rolesWith("read");
  }

  /**
   * Allow `role` to read this secret: `secretsmanager:GetSecretValue` and
   * `secretsmanager:DescribeSecret` on exactly its ARN, plus `kms:Decrypt` on
   * its customer key (only through Secrets Manager, only for this secret).
   * @returns the grant: its inline role policy (`<label>-read`) and statements
   */
  public grantRead(role: RoleRef): Grant {
    return this.access.grant(role, "read");
  }
}

/**
 * A customer managed KMS key for secrets: yearly rotation on, alias
 * `alias/<name>-secrets`. Its key policy is written out explicitly (an
 * `aws_kms_key_policy`, so it is reviewed and drift is corrected) and says
 * what AWS's default key policy says: the account administers the key and
 * IAM policies grant its use. So `grantRead` on a secret encrypted with it is
 * enough for a role to decrypt, and services that encrypt with it on a
 * caller's behalf (Secrets Manager, RDS storage, Performance Insights) work
 * through the caller's IAM permissions and grants.
 */
export class SecretsKey extends Construct {
  /** The key's ARN (pass it as `kmsKeyArn` to the secrets). */
  public readonly arn: string;
  /** The key's id. */
  public readonly keyId: string;
  /** The alias name, `alias/<name>-secrets`. */
  public readonly aliasName: string;

  constructor(scope: Construct, id: string, props: SecretsKeyProps) {
    super(scope, id);
    const name = validateName("name", props.name);
    const deletionWindowInDays = validateIntRange(
      "deletionWindowInDays",
      props.deletionWindowInDays ?? 30,
      7,
      30,
    );
    const key = new KmsKey(this, "key", {
      description: props.description ?? `Encrypts the ${name} secrets`,
      enableKeyRotation: true,
      deletionWindowInDays,
      tags: withName(props.tags, `${name}-secrets`),
    });
    defaultKeyPolicy(this, key);
    const aliasName = `alias/${name}-secrets`;
    new KmsAlias(this, "alias", {
      name: aliasName,
      targetKeyId: key.keyId,
    });
    this.arn = key.arn;
    this.keyId = key.keyId;
    this.aliasName = aliasName;
  }
}
