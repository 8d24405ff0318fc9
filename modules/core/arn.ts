/**
 * The parts of an ARN that only AWS knows (partition, account id), without a
 * data source: they are read from the ARN of a resource the module creates.
 */
import { Fn, TerraformLocal, Token } from "cdktf";
import type { Construct } from "constructs";

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
