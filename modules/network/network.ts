/**
 * The VPC of a stack: one VPC with DNS always on, subnets per availability
 * zone in a public tier (routed to an internet gateway) and an isolated tier
 * (local route only), and the VPC's default security group stripped of rules.
 *
 * Every CIDR is checked at synth time, so a subnet that overlaps another or
 * falls outside the VPC fails before Terraform runs, and a public subnet
 * always gets the internet gateway route.
 */
import { Annotations } from "cdktf";
import { Construct } from "constructs";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { availabilityZoneProblem } from "../core/regions";
import {
  BaseProps,
  Cidr,
  cidrContains,
  cidrOverlaps,
  fail,
  parseCidr,
  subdivide,
  validateIntRange,
  validateName,
  withName,
} from "../core";

/** Subnet tier: `public` routes 0.0.0.0/0 to the internet gateway, `isolated` has the local route only. */
export type SubnetTier = "public" | "isolated";

/** One subnet to create. */
export interface SubnetSpec {
  /** Availability zone name, e.g. `ap-northeast-1a`. At most one subnet per AZ in each tier. */
  readonly az: string;
  /**
   * IPv4 CIDR block inside `vpcCidr`, e.g. `10.0.0.0/25`.
   * @default the next free block of `subnetPrefixLength` in `vpcCidr`
   */
  readonly cidr?: string;
}

/** Properties of {@link Network}. */
export interface NetworkProps extends BaseProps {
  /**
   * IPv4 CIDR block of the VPC, /16 to /28, host bits zero (e.g. `10.0.0.0/24`).
   * DNS support and DNS hostnames are always enabled on the VPC.
   */
  readonly vpcCidr: string;
  /**
   * Subnets whose route table sends 0.0.0.0/0 to the internet gateway.
   * The internet gateway exists only when this list is non-empty.
   * @default []
   */
  readonly publicSubnets?: ReadonlyArray<SubnetSpec>;
  /**
   * Subnets with no route out of the VPC (their route table holds the local route only).
   * @default []
   */
  readonly isolatedSubnets?: ReadonlyArray<SubnetSpec>;
  /**
   * Availability zones each tier reserves room for. `vpcCidr` is cut into
   * `2 x maxAzs` blocks (rounded up to a power of two): the public tier's
   * derived subnets take the lowest free blocks of the first half, the
   * isolated tier's those of the second half, in list order. Adding an AZ at
   * the end of a list then appends a block; no existing derived subnet moves
   * or changes size (a subnet cannot be resized in place: a moved subnet is
   * replaced, and Lambda network interfaces hold it). 1-16.
   * @default 4
   */
  readonly maxAzs?: number;
  /**
   * Prefix length of the subnets whose `cidr` is omitted.
   * @default the size that gives every tier `maxAzs` blocks: vpcCidr's prefix + log2(2 x maxAzs) rounded up (a /24 with 4 AZs: /27)
   */
  readonly subnetPrefixLength?: number;
  /**
   * Give instances launched in the public subnets a public IPv4 address.
   * Isolated subnets never do.
   * @default false
   */
  readonly mapPublicIpOnLaunch?: boolean;
}

/** A subnet as planned from the props: tier, AZ and resolved CIDR. */
export interface PlannedSubnet {
  /** Tier of the subnet. */
  readonly tier: SubnetTier;
  /** Availability zone name. */
  readonly az: string;
  /** Resolved CIDR block (explicit or derived). */
  readonly cidr: string;
  /** Field path of the subnet in the props, e.g. `publicSubnets[1]`. */
  readonly field: string;
}

/** A subnet the network created. */
export interface NetworkSubnet {
  /** Subnet id (Terraform reference). */
  readonly id: string;
  /** Availability zone name. */
  readonly az: string;
  /** CIDR block. */
  readonly cidr: string;
  /** Tier of the subnet. */
  readonly tier: SubnetTier;
}

/** The result of {@link planNetwork}: the validated VPC block and every subnet. */
export interface NetworkPlan {
  /** Canonical VPC CIDR. */
  readonly vpcCidr: string;
  /** Every subnet, public first, each tier in list order. */
  readonly subnets: ReadonlyArray<PlannedSubnet>;
}

const MIN_PREFIX = 16;
/** Availability zones each tier reserves blocks for when CIDRs are derived. */
export const DEFAULT_MAX_AZS = 4;
const MAX_PREFIX = 28;

/** Region of an availability zone name: `ap-northeast-1a` -> `ap-northeast-1`. */
function regionOf(az: string): string {
  return az.slice(0, -1);
}

/** Last part of an availability zone name, for resource names: `ap-northeast-1a` -> `1a`. */
export function azSuffix(az: string): string {
  return az.slice(az.lastIndexOf("-") + 1);
}

function parseOrFail(field: string, text: string): Cidr {
  const parsed = parseCidr(text);
  if (typeof parsed === "string") fail(field, text, parsed);
  return parsed;
}

/**
 * Validate the network props and resolve every subnet's CIDR, without
 * creating anything. {@link Network} calls it first; configuration code can
 * call it to check an environment before building a stack.
 * Throws a `ConfigError` naming the field, the value and the rule.
 */
export function planNetwork(props: Omit<NetworkProps, "name" | "tags">): NetworkPlan {
  const vpc = parseOrFail("vpcCidr", props.vpcCidr);
  if (vpc.prefix < MIN_PREFIX || vpc.prefix > MAX_PREFIX) {
    fail(
      "vpcCidr",
      props.vpcCidr,
      `must have a prefix length from /${MIN_PREFIX} to /${MAX_PREFIX} (AWS VPC limits)`,
    );
  }

  const tiers: ReadonlyArray<[SubnetTier, ReadonlyArray<SubnetSpec>]> = [
    ["public", props.publicSubnets ?? []],
    ["isolated", props.isolatedSubnets ?? []],
  ];
  const specs = tiers.flatMap(([tier, list]) =>
    list.map((spec, i) => ({ tier, spec, field: `${tier}Subnets[${i}]` })),
  );
  if (specs.length === 0) {
    fail("publicSubnets/isolatedSubnets", [], "must declare at least one subnet between them");
  }

  // Availability zones: format, one region, one subnet per AZ per tier.
  let regionField: { field: string; region: string } | undefined;
  const seenAz = new Map<string, string>();
  for (const { tier, spec, field } of specs) {
    const f = `${field}.az`;
    const azProblem = availabilityZoneProblem(spec.az);
    if (azProblem) fail(f, spec.az, azProblem);
    const region = regionOf(spec.az);
    if (regionField === undefined) {
      regionField = { field: f, region };
    } else if (regionField.region !== region) {
      fail(
        f,
        spec.az,
        `is in region ${region}, but ${regionField.field} is in ${regionField.region} (a VPC lives in one region)`,
      );
    }
    const key = `${tier}:${spec.az}`;
    const previous = seenAz.get(key);
    if (previous !== undefined) {
      fail(f, spec.az, `duplicates ${previous} (at most one ${tier} subnet per availability zone)`);
    }
    seenAz.set(key, f);
  }

  // Explicit CIDRs: syntax, size, inside the VPC, no overlap.
  const used: Array<{ field: string; cidr: Cidr }> = [];
  const resolved = new Map<string, Cidr>();
  for (const { spec, field } of specs) {
    if (spec.cidr === undefined) continue;
    const f = `${field}.cidr`;
    const cidr = parseOrFail(f, spec.cidr);
    if (cidr.prefix < MIN_PREFIX || cidr.prefix > MAX_PREFIX) {
      fail(
        f,
        spec.cidr,
        `must have a prefix length from /${MIN_PREFIX} to /${MAX_PREFIX} (AWS subnet limits)`,
      );
    }
    if (!cidrContains(vpc, cidr)) {
      fail(f, spec.cidr, `is outside vpcCidr ${vpc.text}`);
    }
    const clash = used.find((u) => cidrOverlaps(u.cidr, cidr));
    if (clash !== undefined) {
      fail(f, spec.cidr, `overlaps ${clash.field} ${clash.cidr.text} (subnets of a VPC must not overlap)`);
    }
    used.push({ field: f, cidr });
    resolved.set(field, cidr);
  }

  // Derived CIDRs: blocks of one fixed size, each tier in its own reserved range,
  // so adding an AZ appends a block and never moves or resizes another subnet.
  const derived = specs.filter((s) => s.spec.cidr === undefined);
  const maxAzs = validateIntRange("maxAzs", props.maxAzs ?? DEFAULT_MAX_AZS, 1, 16);
  if (props.subnetPrefixLength !== undefined) {
    validateIntRange("subnetPrefixLength", props.subnetPrefixLength, vpc.prefix, MAX_PREFIX);
  }
  for (const [tier, list] of tiers) {
    if (list.length > maxAzs) {
      fail(`${tier}Subnets`, `(${list.length} subnets)`, `must list at most maxAzs ${maxAzs} subnets`);
    }
  }
  if (derived.length > 0) {
    let bits = 0;
    while (2 ** bits < 2 * maxAzs) bits++;
    const prefix = props.subnetPrefixLength ?? vpc.prefix + bits;
    if (prefix > MAX_PREFIX) {
      fail(
        "subnetPrefixLength",
        props.subnetPrefixLength,
        `cannot be derived: ${2 * maxAzs} blocks (maxAzs ${maxAzs} per tier) of vpcCidr ${vpc.text} are /${prefix}, smaller than the AWS minimum /${MAX_PREFIX}; give a larger vpcCidr, a smaller maxAzs or explicit cidrs`,
      );
    }
    const blocks = subdivide(vpc, prefix, 2 ** (prefix - vpc.prefix)).map((text) => parseCidr(text) as Cidr);
    tiers.forEach(([tier], t) => {
      const free = blocks
        .slice(t * maxAzs, (t + 1) * maxAzs)
        .filter((block) => !used.some((u) => cidrOverlaps(u.cidr, block)));
      const wanted = derived.filter((d) => d.tier === tier);
      wanted.forEach(({ field }, i) => {
        const block = free[i];
        if (block === undefined) {
          fail(
            `${field}.cidr`,
            undefined,
            `cannot be derived: the ${tier} tier's range of vpcCidr ${vpc.text} (blocks ${t * maxAzs + 1}-${(t + 1) * maxAzs} of /${prefix}) has only ${free.length} free block(s) for ${wanted.length} subnet(s) without a cidr; give explicit cidrs, a longer subnetPrefixLength or a smaller maxAzs`,
          );
        }
        resolved.set(field, block);
      });
    });
  }

  return {
    vpcCidr: vpc.text,
    subnets: specs.map(({ tier, spec, field }) => ({
      tier,
      az: spec.az,
      cidr: (resolved.get(field) as Cidr).text,
      field,
    })),
  };
}

/**
 * A VPC with DNS support and DNS hostnames on, public and isolated subnets,
 * an internet gateway when there are public subnets, and an empty default
 * security group.
 *
 * @example
 * const network = new Network(this, "network", {
 *   name: "hr-chatbot",
 *   vpcCidr: "10.0.0.0/24",
 *   publicSubnets: [{ az: "ap-northeast-1a" }, { az: "ap-northeast-1c" }],
 * });
 */
export class Network extends Construct {
  /** VPC id. */
  public readonly vpcId: string;
  /** VPC CIDR block (canonical text, e.g. `10.0.0.0/24`). */
  public readonly vpcCidr: string;
  /** DNS resolution is always on (interface endpoints with private DNS need it). */
  public readonly dnsSupport = true as const;
  /** DNS hostnames are always on (public database endpoints and private DNS need them). */
  public readonly dnsHostnames = true as const;
  /** Ids of the public subnets, in the order given. */
  public readonly publicSubnetIds: string[];
  /** Ids of the isolated subnets, in the order given. */
  public readonly isolatedSubnetIds: string[];
  /** Every subnet: public first, then isolated, each in the order given. */
  public readonly subnets: ReadonlyArray<NetworkSubnet>;
  /** Distinct availability zones of all subnets, in first-seen order. */
  public readonly availabilityZones: string[];
  /** Internet gateway id; set exactly when there are public subnets. */
  public readonly internetGatewayId?: string;
  /** True when an internet gateway is attached (there are public subnets). */
  public readonly hasInternetGateway: boolean;
  /** Route table of the public subnets (0.0.0.0/0 to the internet gateway). */
  public readonly publicRouteTableId?: string;
  /** Route table of the isolated subnets (local route only). */
  public readonly isolatedRouteTableId?: string;
  /** Id of the VPC's default security group, which has no rules. */
  public readonly defaultSecurityGroupId: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const name = validateName("name", props.name);
    const tags = props.tags ?? {};
    const mapPublicIpOnLaunch = props.mapPublicIpOnLaunch ?? false;
    const plan = planNetwork(props);
    const publicPlan = plan.subnets.filter((s) => s.tier === "public");
    const isolatedPlan = plan.subnets.filter((s) => s.tier === "isolated");
    if (mapPublicIpOnLaunch && publicPlan.length === 0) {
      Annotations.of(this).addWarning(
        `${name}: mapPublicIpOnLaunch is true but there are no publicSubnets; it has no effect`,
      );
    }

    const vpc = new Vpc(this, "vpc", {
      cidrBlock: plan.vpcCidr,
      enableDnsSupport: this.dnsSupport,
      enableDnsHostnames: this.dnsHostnames,
      tags: withName(tags, name),
    });
    this.vpcId = vpc.id;
    this.vpcCidr = plan.vpcCidr;

    // Explicit empty rule lists: Terraform removes any rule on the default group.
    const defaultSg = new DefaultSecurityGroup(this, "default-sg", {
      vpcId: vpc.id,
      ingress: [],
      egress: [],
      tags: withName(tags, `${name}-default-sg`),
    });
    this.defaultSecurityGroupId = defaultSg.id;

    const subnets: NetworkSubnet[] = plan.subnets.map((s) => {
      const subnet = new Subnet(this, `${s.tier}-subnet-${s.az}`, {
        vpcId: vpc.id,
        availabilityZone: s.az,
        cidrBlock: s.cidr,
        mapPublicIpOnLaunch: s.tier === "public" ? mapPublicIpOnLaunch : false,
        tags: withName(tags, `${name}-${s.tier}-${azSuffix(s.az)}`),
      });
      return { id: subnet.id, az: s.az, cidr: s.cidr, tier: s.tier };
    });
    this.subnets = subnets;
    this.publicSubnetIds = subnets.filter((s) => s.tier === "public").map((s) => s.id);
    this.isolatedSubnetIds = subnets.filter((s) => s.tier === "isolated").map((s) => s.id);
    this.availabilityZones = [...new Set(subnets.map((s) => s.az))];

    if (publicPlan.length > 0) {
      const igw = new InternetGateway(this, "igw", {
        vpcId: vpc.id,
        tags: withName(tags, `${name}-igw`),
      });
      const table = new RouteTable(this, "public-rt", {
        vpcId: vpc.id,
        tags: withName(tags, `${name}-public-rt`),
      });
      new Route(this, "public-default-route", {
        routeTableId: table.id,
        destinationCidrBlock: "0.0.0.0/0",
        gatewayId: igw.id,
      });
      subnets
        .filter((s) => s.tier === "public")
        .forEach((s) => {
          new RouteTableAssociation(this, `public-rta-${s.az}`, { routeTableId: table.id, subnetId: s.id });
        });
      this.internetGatewayId = igw.id;
      this.publicRouteTableId = table.id;
    }
    this.hasInternetGateway = publicPlan.length > 0;

    if (isolatedPlan.length > 0) {
      // `route: []` makes the table authoritative: a route added outside
      // Terraform is removed on the next apply, so the tier stays isolated.
      const table = new RouteTable(this, "isolated-rt", {
        vpcId: vpc.id,
        route: [],
        tags: withName(tags, `${name}-isolated-rt`),
      });
      subnets
        .filter((s) => s.tier === "isolated")
        .forEach((s) => {
          new RouteTableAssociation(this, `isolated-rta-${s.az}`, { routeTableId: table.id, subnetId: s.id });
        });
      this.isolatedRouteTableId = table.id;
    }
  }

  /** Ids of the subnets of one tier, in the order given. */
  public subnetIdsFor(tier: SubnetTier): string[] {
    return this.subnets.filter((s) => s.tier === tier).map((s) => s.id);
  }
}
