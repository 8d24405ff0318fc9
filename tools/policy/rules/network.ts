/**
 * Network rules: security group ingress and interface endpoints.
 */
import type { PlanView, ResourceView } from "../plan";
import type { Finding, PolicyContext, Rule } from "../types";
import {
  asList,
  finding,
  isPending,
  isPrivate,
  isUnset,
  isWorld,
  noteUnknown,
  parseAnyCidr,
  sameCidr,
  type RuleInfo,
} from "./util";

/** One ingress permission from a CIDR, from any of the three ways Terraform can express it. */
interface Ingress {
  readonly resource: ResourceView;
  /** Where in the resource: `""` or `ingress[1]`. */
  readonly where: string;
  readonly cidr: unknown;
  readonly protocol: unknown;
  readonly fromPort: unknown;
  readonly toPort: unknown;
}

/** Every CIDR-based ingress permission in the plan. */
function ingressPermissions(plan: PlanView): Ingress[] {
  const out: Ingress[] = [];
  for (const r of plan.resources("aws_vpc_security_group_ingress_rule")) {
    for (const attr of ["cidr_ipv4", "cidr_ipv6"]) {
      const cidr = r.get(attr);
      if (isUnset(cidr)) continue;
      out.push({
        resource: r,
        where: "",
        cidr,
        protocol: r.get("ip_protocol"),
        fromPort: r.get("from_port"),
        toPort: r.get("to_port"),
      });
    }
  }
  const fromBlock = (r: ResourceView, block: unknown, where: string) => {
    const b = (block ?? {}) as Record<string, unknown>;
    for (const attr of ["cidr_blocks", "ipv6_cidr_blocks"]) {
      const list = b[attr];
      const items = isPending(list) ? [list] : asList(list);
      for (const cidr of items) {
        out.push({
          resource: r,
          where,
          cidr,
          protocol: b.protocol,
          fromPort: b.from_port,
          toPort: b.to_port,
        });
      }
    }
  };
  for (const r of plan.resources("aws_security_group_rule")) {
    if (r.get("type") === "ingress") fromBlock(r, r.after, "");
  }
  for (const r of plan.resources("aws_security_group")) {
    const ingress = r.get("ingress");
    if (isPending(ingress)) {
      out.push({ resource: r, where: "ingress", cidr: ingress, protocol: "", fromPort: "", toPort: "" });
      continue;
    }
    asList(ingress).forEach((block, i) => fromBlock(r, block, `ingress[${i}]`));
  }
  return out;
}

function allPorts(p: Ingress): boolean {
  return p.protocol === "-1" || p.protocol === "all" || p.protocol === -1;
}

function portsText(p: Ingress): string {
  if (allPorts(p)) return "all ports and protocols";
  const proto = typeof p.protocol === "string" ? p.protocol : "?";
  if (p.fromPort === p.toPort) return `port ${String(p.fromPort)}/${proto}`;
  return `ports ${String(p.fromPort)}-${String(p.toPort)}/${proto}`;
}

function isAllowed(p: Ingress, cidr: string, ctx: PolicyContext): boolean {
  if (allPorts(p) || typeof p.fromPort !== "number" || p.fromPort !== p.toPort) return false;
  return ctx.allowedIngress.some((a) => a.port === p.fromPort && sameCidr(a.cidr, cidr));
}

function location(p: Ingress): string {
  return p.where ? `${p.where} ` : "";
}

function checkIngress(plan: PlanView, ctx: PolicyContext, rule: RuleInfo, world: boolean): Finding[] {
  const out: Finding[] = [];
  for (const p of ingressPermissions(plan)) {
    if (typeof p.cidr !== "string") {
      // Report unknown sources once, under the world-open rule.
      if (world) noteUnknown(plan, rule, p.resource, `${location(p)}ingress source`, p.cidr);
      continue;
    }
    const parsed = parseAnyCidr(p.cidr);
    if (!parsed) {
      if (world)
        plan.note(rule.id, p.resource.address, `${location(p)}ingress source ${p.cidr} is not a CIDR`);
      continue;
    }
    if (isWorld(parsed) !== world || (!world && isPrivate(parsed))) continue;
    if (isAllowed(p, p.cidr, ctx)) {
      plan.note(
        rule.id,
        p.resource.address,
        `${portsText(p)} from ${p.cidr} is in the allowed ingress`,
        "info",
      );
      continue;
    }
    const what = world ? "the whole internet" : "a public address range";
    out.push(
      finding(
        rule,
        p.resource,
        `${location(p)}allows ${portsText(p)} from ${p.cidr} (${what}); not in the environment's allowed ` +
          "ingress (security.developerCidrs / policy.allowedIngress)",
      ),
    );
  }
  return out;
}

/** HRC-NET-001: no security group ingress from 0.0.0.0/0 or ::/0 unless intended. */
export const noWorldIngress: Rule = {
  id: "HRC-NET-001",
  severity: "critical",
  title: "No security group ingress from 0.0.0.0/0 or ::/0 except intended ports",
  rationale:
    "The project's VPC has public subnets and an internet gateway: a rule open to the world exposes " +
    "the database or anything else in the group to scanning and brute force. A world-open port must " +
    "be listed in the environment's allowed ingress to pass.",
  check(plan, ctx) {
    return checkIngress(plan, ctx, this, true);
  },
};

/** HRC-NET-002: ingress from public ranges only where the environment lists them. */
export const noUnlistedPublicIngress: Rule = {
  id: "HRC-NET-002",
  severity: "high",
  title: "Ingress from public address ranges only where the environment allows it",
  rationale:
    "Ingress from outside private address space (e.g. a developer's /32 on 5432) is a deliberate, " +
    "per-environment decision recorded in the environment file (security.developerCidrs). A public " +
    "CIDR that is not listed there, such as a developer address left behind in production, fails.",
  check(plan, ctx) {
    return checkIngress(plan, ctx, this, false);
  },
};

/** HRC-NET-003: interface endpoints have private DNS enabled. */
export const endpointPrivateDns: Rule = {
  id: "HRC-NET-003",
  severity: "high",
  title: "Interface VPC endpoints have private DNS enabled",
  rationale:
    "Without private DNS, the service's regular host name (secretsmanager.<region>.amazonaws.com) " +
    "still resolves to public addresses; a Lambda in a VPC without a NAT gateway cannot reach them and " +
    "times out, which is how the manual deployment failed (failure 4). The provider default is false.",
  check(plan) {
    const out: Finding[] = [];
    for (const r of plan.resources("aws_vpc_endpoint")) {
      const type = r.get("vpc_endpoint_type");
      if (isPending(type)) {
        noteUnknown(plan, this, r, "vpc_endpoint_type", type);
        continue;
      }
      if (type !== "Interface") continue;
      const dns = r.get("private_dns_enabled");
      if (dns === true) continue;
      if (isPending(dns)) noteUnknown(plan, this, r, "private_dns_enabled", dns);
      else {
        const service = r.get("service_name");
        out.push(
          finding(
            this,
            r,
            `private_dns_enabled is ${dns === false ? "false" : "not set (default false)"} on interface endpoint ` +
              `${typeof service === "string" ? service : "(unknown service)"}; set it to true`,
          ),
        );
      }
    }
    return out;
  },
};
