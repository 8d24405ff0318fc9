/**
 * Policy settings for the state bootstrap stack, which has no environment
 * file of its own: checkov checks that do not apply to a Terraform state
 * bucket, each with the reason.
 */
import type { PolicySettings } from "../tools/policy/schema";

/** The `policy` section the bootstrap stack is reviewed with. */
export const BOOTSTRAP_POLICY: Partial<PolicySettings> = {
  exceptions: [],
  checkovSkips: [],
};
