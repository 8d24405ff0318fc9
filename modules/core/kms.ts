/**
 * KMS helpers shared by the modules that create customer managed keys.
 */
import { Construct } from "constructs";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { arnParts } from "./arn";
import { policyDocument } from "./iam";

/**
 * AWS's default key policy on `key`, as its own resource (`key-policy` in
 * `scope`): the account root may do everything with the key, so IAM policies
 * in the account decide who uses it; without it the key becomes unmanageable.
 * The account id and partition come from the key's own ARN (`key-arn-parts`),
 * so there is no cycle and no data source.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
export function defaultKeyPolicy(scope: Construct, key: KmsKey): KmsKeyPolicy {
  const { partition, accountId } = arnParts(scope, "key-arn-parts", key.arn);
  return new KmsKeyPolicy(scope, "key-policy", {
    keyId: key.keyId,
    policy: policyDocument({
      Sid: "EnableIamPolicies",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    }),
  });
}
