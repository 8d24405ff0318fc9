/**
 * Policy settings for the state bootstrap stack, which has no environment
 * file of its own: checkov checks that do not apply to a Terraform state
 * bucket, each with the reason.
 */
import type { PolicySettings } from "./config/policy-settings";

/** Address of the state bucket in the bootstrap stack's plan. */
export const BOOTSTRAP_STATE_BUCKET_ADDRESS = "aws_s3_bucket.state_bucket_803B4E61";

/** Names of the GitHub roles' inline policies that grant AWS access beyond the state (deploy role, plan role). */
export const GITHUB_ROLE_POLICY_NAMES: readonly string[] = ["deploy", "plan"];

/**
 * The bootstrap stack's policy section for a plan whose GitHub roles'
 * `deploy`/`plan` policies are at `addresses`: those accept HRC-IAM-001 for
 * their KMS statements, nothing else changes.
 */
export function bootstrapPolicy(addresses: readonly string[]): Partial<PolicySettings> {
  return {
    ...BOOTSTRAP_POLICY,
    exceptions: addresses.map((address) => ({
      rule: "HRC-IAM-001",
      address,
      reason:
        'KMS key ARNs hold generated ids and kms:CreateKey (with kms:TagResource to tag a key as it is created) matches only Resource "*", ' +
        "so the key statements cannot name keys: creating is allowed only for requests tagged Project=<project> in the environment's " +
        "region, every other key action only on keys tagged Project=<project>, aliases only as alias/<project>-*.",
    })),
  };
}

/** The `policy` section the bootstrap stack is reviewed with (no GitHub deploy roles). */
export const BOOTSTRAP_POLICY: Partial<PolicySettings> = {
  exceptions: [],
  checkovSkips: [
    {
      id: "CKV_AWS_145",
      resource: BOOTSTRAP_STATE_BUCKET_ADDRESS,
      reason:
        "Terraform's S3 backend with encrypt = true writes every state object with SSE-S3 (AES256) unless " +
        "backend.kmsKeyId is set, so an aws:kms bucket default would not apply to the state. StateBucket " +
        "switches to SSE-KMS with a bucket key when the stack is given kmsKeyArn (then set backend.kmsKeyId too).",
    },
    {
      id: "CKV_AWS_18",
      resource: BOOTSTRAP_STATE_BUCKET_ADDRESS,
      reason:
        "Server access logs need a second bucket, which this bootstrap does not create; StateBucket takes " +
        "accessLogBucket once one exists. Risk accepted until then: the bucket is private (public access " +
        "blocked, ACLs disabled), takes TLS 1.2+ requests only, and keeps replaced state versions.",
    },
    {
      id: "CKV2_AWS_62",
      resource: BOOTSTRAP_STATE_BUCKET_ADDRESS,
      reason:
        "Nothing consumes events from the state bucket: Terraform reads and writes it directly, and the " +
        "lock is the S3 lock file, so event notifications would have no subscriber.",
    },
    {
      id: "CKV_AWS_144",
      resource: BOOTSTRAP_STATE_BUCKET_ADDRESS,
      reason:
        "The state describes resources in this one region: when the region is down there is nothing to " +
        "deploy to. Versioning and the lifecycle's kept versions recover from a bad write or a deletion.",
    },
  ],
};
