/**
 * Helpers shared by the rules.
 */
import * as ipaddr from "ipaddr.js";
import { Unknown, referencesIn } from "../template";
import { Computed, type PlanView, type ResourceView } from "../plan";
import type { Finding, Rule } from "../types";

/** Rule metadata without the check, for building findings. */
export type RuleInfo = Pick<Rule, "id" | "severity" | "title">;

/** A finding of `rule` on `r`. */
export function finding(rule: RuleInfo, r: ResourceView | string, message: string): Finding {
  return {
    rule: rule.id,
    severity: rule.severity,
    title: rule.title,
    address: typeof r === "string" ? r : r.address,
    message,
  };
}

/** True for a value that depends on something only known after apply (not a mere provider default). */
export function isPending(v: unknown): v is Unknown {
  return v instanceof Unknown && !(v instanceof Computed);
}

/** True for a value left unset: null, absent, or computed by the provider. */
export function isUnset(v: unknown): boolean {
  return v === null || v === undefined || v instanceof Computed;
}

/** "depends on aws_x.y.arn" for an unknown value (empty references: "is computed by the provider"). */
export function describeUnknown(v: unknown): string {
  const refs = referencesIn(v);
  return refs.length > 0
    ? `depends on ${refs.join(", ")}, known only after apply`
    : "is known only after apply";
}

/** Note an unverifiable value for `rule` on `r`. */
export function noteUnknown(plan: PlanView, rule: RuleInfo, r: ResourceView, what: string, v: unknown): void {
  plan.note(rule.id, r.address, `${what} ${describeUnknown(v)}; not checked`);
}

/** Render a value for a message. */
export function show(v: unknown): string {
  if (v instanceof Unknown) return "(unknown)";
  if (v === undefined) return "(unset)";
  return JSON.stringify(v);
}

/** A list value as an array (a single value becomes a one-element list; unset becomes []). */
export function asList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === null || v === undefined || v instanceof Computed) return [];
  return [v];
}

/** A parsed CIDR. */
export interface ParsedCidr {
  readonly text: string;
  readonly addr: ipaddr.IPv4 | ipaddr.IPv6;
  readonly prefix: number;
}

/** Parse an IPv4 or IPv6 CIDR (`10.0.0.0/8`, `::/0`); a bare address is a /32 or /128. */
export function parseAnyCidr(text: string): ParsedCidr | undefined {
  try {
    if (text.includes("/")) {
      const [addr, prefix] = ipaddr.parseCIDR(text.trim());
      return { text: `${addr.toNormalizedString()}/${prefix}`, addr, prefix };
    }
    const addr = ipaddr.parse(text.trim());
    const prefix = addr.kind() === "ipv4" ? 32 : 128;
    return { text: `${addr.toNormalizedString()}/${prefix}`, addr, prefix };
  } catch {
    return undefined;
  }
}

/** Two CIDRs denote the same block. */
export function sameCidr(a: string, b: string): boolean {
  const x = parseAnyCidr(a);
  const y = parseAnyCidr(b);
  return x !== undefined && y !== undefined && x.text === y.text;
}

const PRIVATE_BLOCKS: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10", // carrier-grade NAT
  "127.0.0.0/8",
  "169.254.0.0/16",
  "fc00::/7", // unique local
  "fe80::/10",
  "::1/128",
];

/** The whole address space (`0.0.0.0/0`, `::/0`). */
export function isWorld(c: ParsedCidr): boolean {
  return c.prefix === 0;
}

/** The CIDR lies entirely inside private, loopback or link-local address space. */
export function isPrivate(c: ParsedCidr): boolean {
  return PRIVATE_BLOCKS.some((b) => {
    const [baddr, bprefix] = ipaddr.parseCIDR(b);
    return baddr.kind() === c.addr.kind() && c.prefix >= bprefix && c.addr.match(baddr, bprefix);
  });
}
