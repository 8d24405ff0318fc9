/**
 * The parts of an ARN that only AWS knows (partition, account id), without a
 * data source: they are read from the ARN of a resource the module creates.
 */
import { Fn, TerraformLocal, Token } from "cdktf";
import type { Construct } from "constructs";
import { fail } from "./core";

/**
 * Fields of `arn:<partition>:<service>:<region>:<account-id>:<resource>`, each a
 * Terraform expression.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export interface ArnParts {
  /** `aws`, `aws-cn`, `aws-us-gov`. */
  readonly partition: string;
  /** Service namespace, e.g. `kms`. */
  readonly service: string;
  /** Region code; empty for global resources (IAM). */
  readonly region: string;
  /** The 12-digit account id; empty for AWS managed resources. */
  readonly accountId: string;
}

/**
 * Partition, service, region and account id of `arn` (a reference to a
 * resource's ARN), evaluated by Terraform. Creates the Terraform local `id`
 * in `scope` holding the ARN's fields, so the parts are quote-free
 * expressions (`${element(local.x, 4)}`) and a JSON document that embeds
 * them still parses as JSON.
 */
export function arnParts(scope: Construct, id: string, arn: string): ArnParts {
  const fields = new TerraformLocal(scope, id, Fn.split(":", arn));
  const part = (i: number): string => Token.asString(Fn.element(fields.expression, i));
  return { partition: part(1), service: part(2), region: part(3), accountId: part(4) };
}

/** ARN of a KMS key (`arn:<partition>:kms:<region>:<account-id>:key/<key-id>`); an alias ARN does not match. */
export const KMS_KEY_ARN_RE = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * The rule `value` breaks as a KMS key ARN, or `undefined` when it is one (or
 * a Terraform reference, checked by AWS at apply).
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN
 */
export function kmsKeyArnProblem(value: string): string | undefined {
  if (Token.isUnresolved(value) || KMS_KEY_ARN_RE.test(value)) return undefined;
  return "must be a KMS key ARN arn:<partition>:kms:<region>:<account-id>:key/<key-id>, not an alias (an alias cannot scope IAM permissions)";
}

/** Validate an optional KMS key ARN; throws a ConfigError naming `field`. */
export function validateKmsKeyArn(field: string, value: string | undefined): string | undefined {
  const problem = value === undefined ? undefined : kmsKeyArnProblem(value);
  if (problem) fail(field, value, problem);
  return value;
}
