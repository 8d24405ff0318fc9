/**
 * The policy rules, in report order.
 */
import type { Rule } from "../types";
import { statefulChangeReview } from "./changes";
import { noBroadManagedPolicies, noWildcardPolicies } from "./iam";
import { apiStageAccessLogs, lambdaLogGroup } from "./logging";
import { endpointPrivateDns, noUnlistedPublicIngress, noWorldIngress } from "./network";
import { bucketEncrypted, bucketPublicAccessBlocked, bucketVersioned } from "./s3";
import { requiredTags } from "./tags";

export { statefulChangeReview, STATEFUL_TYPES } from "./changes";
export { noBroadManagedPolicies, noWildcardPolicies, SENSITIVE_SERVICES } from "./iam";
export { apiStageAccessLogs, lambdaLogGroup } from "./logging";
export { endpointPrivateDns, noUnlistedPublicIngress, noWorldIngress } from "./network";
export { bucketEncrypted, bucketPublicAccessBlocked, bucketVersioned, companionsOf } from "./s3";
export { requiredTags } from "./tags";

/** Every rule, in the order the report lists them. */
export const RULES: readonly Rule[] = [
  noWorldIngress,
  noUnlistedPublicIngress,
  endpointPrivateDns,
  noWildcardPolicies,
  noBroadManagedPolicies,
  lambdaLogGroup,
  apiStageAccessLogs,
  bucketVersioned,
  bucketEncrypted,
  bucketPublicAccessBlocked,
  requiredTags,
  statefulChangeReview,
];
