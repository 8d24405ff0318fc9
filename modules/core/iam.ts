/**
 * IAM policy documents as JSON, and the grants modules hand back.
 *
 * A document is a plain object whose string leaves may be Terraform
 * references (`secret.arn`, `` `${logGroup.arn}:*` ``). It synthesizes to a
 * JSON string in which each reference is a `${...}` interpolation inside a
 * JSON string, so any tool can `JSON.parse` the synthesized document and
 * Terraform fills in the references at apply time.
 */
import { Token, type TerraformResource } from "cdktf";
import type { RoleRef } from "./core";

/** One or more values of a policy element (`"s3:GetObject"` or `["s3:GetObject", "s3:PutObject"]`). */
export type OneOrMore = string | readonly string[];

/** A condition block: operator -> condition key -> value(s), e.g. `{ StringEquals: { "aws:SourceAccount": id } }`. */
export type PolicyCondition = Readonly<
  Record<string, Readonly<Record<string, OneOrMore | number | boolean>>>
>;

/**
 * One statement of an IAM policy document.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 */
export interface PolicyStatement {
  /** Statement id, unique in the document. */
  readonly Sid?: string;
  /** Whether the statement allows or denies. */
  readonly Effect: "Allow" | "Deny";
  /** Who the statement applies to (resource and trust policies only). */
  readonly Principal?: "*" | Readonly<Record<string, OneOrMore>>;
  /** Actions, `service:Action`. */
  readonly Action?: OneOrMore;
  /** Resource ARNs. */
  readonly Resource?: OneOrMore;
  /** When the statement applies. */
  readonly Condition?: PolicyCondition;
}

/** A policy document: version 2012-10-17 and its statements. */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/**
 * What a `grant*` method created, so callers can depend on it (as
 * aws-cdk-lib's `Grant`): put {@link Grant.policy} in the `dependsOn` of
 * whatever must not run before the permission exists.
 */
export interface Grant {
  /** The role the permission was given to. */
  readonly grantee: RoleRef;
  /** The resource holding the permission (an inline role policy or a policy attachment). */
  readonly policy: TerraformResource;
  /** The statements the grant allows; empty when it attaches an existing managed policy. */
  readonly statements: readonly PolicyStatement[];
}

/** Throw when `value` holds a list or number token, which cannot stand inside a JSON string. */
function checkLeaves(value: unknown, where: string): void {
  if (Array.isArray(value)) {
    if (Token.isUnresolved(value)) {
      throw new Error(
        `${where} is a Terraform list reference; a policy document needs one string per element`,
      );
    }
    value.forEach((v, i) => checkLeaves(v, `${where}[${i}]`));
  } else if (typeof value === "number" && Token.isUnresolved(value)) {
    throw new Error(`${where} is a Terraform number reference; write it as a string (Token.asString)`);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) checkLeaves(v, `${where}.${k}`);
  }
}

/**
 * The policy document of `statements` as a JSON string (version 2012-10-17).
 * String leaves may be Terraform references; they stay `${...}`
 * interpolations inside the JSON strings. Throws when a leaf is a list or
 * number token (list each ARN; use `arnParts` for parts of an ARN).
 */
export function policyDocument(...statements: PolicyStatement[]): string {
  const doc: PolicyDocument = { Version: "2012-10-17", Statement: statements };
  checkLeaves(doc, "policy");
  return JSON.stringify(doc);
}

/**
 * Trust policy letting one AWS service assume a role, optionally limited by a
 * condition (e.g. `aws:SourceAccount`).
 */
export function serviceTrustPolicy(service: string, condition?: PolicyCondition): string {
  return policyDocument({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    ...(condition ? { Condition: condition } : {}),
  });
}
