/**
 * zod schemas for the `policy` section of an environment file: accepted policy
 * findings, checkov skips, intended ingress and the failing severity.
 *
 * The environment file format belongs to stacks/, so the schema lives here and
 * the plan review in tools/policy imports it (dependencies run modules <-
 * stacks <- tools, never back up).
 */
import ipaddr from "ipaddr.js";
import { z } from "zod";

/** How bad a policy finding is. `failOn` (default `high`) decides which severities fail a review. */
export type Severity = "critical" | "high" | "medium" | "low";

/** Severities from most to least severe. */
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** Policy rule ids: `HRC-<AREA>-<NNN>`. */
export const RULE_ID_PATTERN = /^HRC-[A-Z0-9]+-\d{3}$/;

const reason = z.string().trim().min(10, "must say why (at least 10 characters)");

/** True for an IPv4 or IPv6 CIDR, or a bare address (a /32 or /128). */
function isAnyCidr(text: string): boolean {
  const t = text.trim();
  return t.includes("/") ? ipaddr.isValidCIDR(t) : ipaddr.isValid(t);
}

/** One accepted policy finding: `{ rule, address?, reason }`. */
export const policyExceptionSchema = z.strictObject({
  rule: z.string().regex(RULE_ID_PATTERN, "must be a policy rule id such as HRC-DB-001"),
  address: z.string().min(1, "must not be empty (omit it to cover every resource)").optional(),
  reason,
});

/** The environment file's `policy.exceptions` list. */
export const policyExceptionsSchema = z.array(policyExceptionSchema);

/** One checkov check to skip: `{ id, resource?, reason }` (`resource` limits the skip to one address). */
export const checkovSkipSchema = z.strictObject({
  id: z.string().regex(/^CKV2?_[A-Z0-9]+_\d+$/, "must be a checkov check id such as CKV_AWS_158"),
  resource: z.string().min(1, "must not be empty (omit it to skip the check everywhere)").optional(),
  reason,
});

/** A parsed checkov skip. */
export type CheckovSkip = z.infer<typeof checkovSkipSchema>;

/** The environment file's `policy.checkovSkips` list. */
export const checkovSkipsSchema = z.array(checkovSkipSchema);

/** One intended ingress source beyond the developer CIDRs: `{ port, cidr, reason }`. */
export const allowedIngressSchema = z.strictObject({
  port: z.number().int().min(0).max(65535),
  cidr: z.string().refine(isAnyCidr, "must be an IPv4 or IPv6 CIDR"),
  reason,
});

/** The whole `policy` section of an environment file. */
export const policySettingsSchema = z.strictObject({
  /** Accepted findings. */
  exceptions: policyExceptionsSchema.default([]),
  /** checkov checks that do not apply, with the reason. */
  checkovSkips: checkovSkipsSchema.default([]),
  /** Tag keys required on every taggable resource, in addition to the keys of the environment's `tags`. */
  requiredTags: z.array(z.string().min(1)).default([]),
  /** Ingress from public ranges that is intended, in addition to security.developerCidrs on the database port. */
  allowedIngress: z.array(allowedIngressSchema).default([]),
  /** Lowest severity that fails the review. */
  failOn: z.enum(SEVERITIES as [Severity, ...Severity[]]).optional(),
});

/** The parsed `policy` section. */
export type PolicySettings = z.infer<typeof policySettingsSchema>;
