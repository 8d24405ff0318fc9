import { TerraformOutput } from "cdktf";
import { onlyResource, resourcesOf, synthJson, testStack, configErrorOf } from "../core/testing";
import { Network, NetworkProps, planNetwork } from "./network";

const AZ_A = "ap-northeast-1a";
const AZ_C = "ap-northeast-1c";

/** The guide's network: 10.0.0.0/24, two public /25s in 1a and 1c (derived: /25 blocks, two per tier). */
const guide: NetworkProps = {
  name: "hr-chatbot",
  vpcCidr: "10.0.0.0/24",
  publicSubnets: [{ az: AZ_A }, { az: AZ_C }],
  subnetPrefixLength: 25,
  maxAzs: 2,
  mapPublicIpOnLaunch: true,
  tags: { Project: "hr-chatbot" },
};

function build(props: NetworkProps) {
  const { stack } = testStack();
  const network = new Network(stack, "network", props);
  // outputs resolve the construct's token fields to Terraform references
  new TerraformOutput(stack, "vpc-id", { value: network.vpcId });
  new TerraformOutput(stack, "igw-id", { value: network.internetGatewayId ?? "none" });
  new TerraformOutput(stack, "public-ids", { value: network.publicSubnetIds });
  new TerraformOutput(stack, "default-sg-id", { value: network.defaultSecurityGroupId });
  const json = synthJson(stack);
  const out = (key: string): unknown => json.output?.[key]?.value;
  return { network, json, out };
}

/** Terraform reference of a resource's attribute, as cdktf renders it. */
function refOf(json: ReturnType<typeof synthJson>, type: string, nameTag: string, attr = "id"): string {
  const entry = Object.entries(resourcesOf(json, type)).find(
    ([, r]) => (r.tags as Record<string, string> | undefined)?.Name === nameTag,
  );
  if (!entry) throw new Error(`no ${type} tagged ${nameTag}`);
  return `\${${type}.${entry[0]}.${attr}}`;
}

const errorOf = configErrorOf;

describe("Network: the guide's VPC", () => {
  const { network, json, out } = build(guide);

  it("creates the VPC with the CIDR and DNS support and hostnames always on", () => {
    expect(onlyResource(json, "aws_vpc")).toEqual({
      cidr_block: "10.0.0.0/24",
      enable_dns_support: true,
      enable_dns_hostnames: true,
      tags: { Project: "hr-chatbot", Name: "hr-chatbot" },
    });
    expect(network.dnsSupport).toBe(true);
    expect(network.dnsHostnames).toBe(true);
    expect(network.vpcCidr).toBe("10.0.0.0/24");
  });

  it("splits the /24 into two /25 public subnets, one per AZ, with public IPs on launch", () => {
    const subnets = Object.values(resourcesOf(json, "aws_subnet"));
    expect(subnets).toHaveLength(2);
    const vpcRef = refOf(json, "aws_vpc", "hr-chatbot");
    expect(subnets).toEqual(
      expect.arrayContaining([
        {
          vpc_id: vpcRef,
          availability_zone: AZ_A,
          cidr_block: "10.0.0.0/25",
          map_public_ip_on_launch: true,
          tags: { Project: "hr-chatbot", Name: "hr-chatbot-public-1a" },
        },
        {
          vpc_id: vpcRef,
          availability_zone: AZ_C,
          cidr_block: "10.0.0.128/25",
          map_public_ip_on_launch: true,
          tags: { Project: "hr-chatbot", Name: "hr-chatbot-public-1c" },
        },
      ]),
    );
    expect(network.subnets.map((s) => [s.tier, s.az, s.cidr])).toEqual([
      ["public", AZ_A, "10.0.0.0/25"],
      ["public", AZ_C, "10.0.0.128/25"],
    ]);
    expect(network.availabilityZones).toEqual([AZ_A, AZ_C]);
  });

  it("attaches an internet gateway and routes 0.0.0.0/0 to it from every public subnet", () => {
    const igwRef = refOf(json, "aws_internet_gateway", "hr-chatbot-igw");
    expect(onlyResource(json, "aws_internet_gateway")).toMatchObject({
      vpc_id: refOf(json, "aws_vpc", "hr-chatbot"),
    });
    const rtRef = refOf(json, "aws_route_table", "hr-chatbot-public-rt");
    expect(onlyResource(json, "aws_route")).toEqual({
      route_table_id: rtRef,
      destination_cidr_block: "0.0.0.0/0",
      gateway_id: igwRef,
    });
    const associations = Object.values(resourcesOf(json, "aws_route_table_association"));
    expect(associations).toHaveLength(2);
    expect(associations.map((a) => a.subnet_id).sort()).toEqual(
      [
        refOf(json, "aws_subnet", "hr-chatbot-public-1a"),
        refOf(json, "aws_subnet", "hr-chatbot-public-1c"),
      ].sort(),
    );
    associations.forEach((a) => expect(a.route_table_id).toBe(rtRef));
    expect(network.hasInternetGateway).toBe(true);
    expect(out("igw-id")).toBe(igwRef);
  });

  it("strips every rule from the VPC's default security group", () => {
    expect(onlyResource(json, "aws_default_security_group")).toEqual({
      vpc_id: refOf(json, "aws_vpc", "hr-chatbot"),
      ingress: [],
      egress: [],
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-default-sg" },
    });
  });

  it("exposes subnet ids by tier as Terraform references", () => {
    expect(out("vpc-id")).toBe(refOf(json, "aws_vpc", "hr-chatbot"));
    expect(out("public-ids")).toEqual([
      refOf(json, "aws_subnet", "hr-chatbot-public-1a"),
      refOf(json, "aws_subnet", "hr-chatbot-public-1c"),
    ]);
    expect(network.isolatedSubnetIds).toEqual([]);
    expect(network.subnetIdsFor("public")).toEqual(network.publicSubnetIds);
    expect(network.subnetIdsFor("isolated")).toEqual([]);
    expect(out("default-sg-id")).toBe(refOf(json, "aws_default_security_group", "hr-chatbot-default-sg"));
  });
});

describe("Network: tiers", () => {
  it("gives isolated subnets their own route table with no routes and no internet gateway", () => {
    const { network, json } = build({
      name: "prod",
      vpcCidr: "10.1.0.0/16",
      isolatedSubnets: [{ az: AZ_A }, { az: AZ_C }],
    });
    expect(resourcesOf(json, "aws_internet_gateway")).toEqual({});
    expect(resourcesOf(json, "aws_route")).toEqual({});
    expect(onlyResource(json, "aws_route_table")).toEqual({
      vpc_id: refOf(json, "aws_vpc", "prod"),
      route: [],
      tags: { Name: "prod-isolated-rt" },
    });
    const rtRef = refOf(json, "aws_route_table", "prod-isolated-rt");
    const associations = Object.values(resourcesOf(json, "aws_route_table_association"));
    expect(associations).toHaveLength(2);
    associations.forEach((a) => expect(a.route_table_id).toBe(rtRef));
    expect(network.hasInternetGateway).toBe(false);
    expect(network.internetGatewayId).toBeUndefined();
    // the isolated tier's range is the second half of the VPC: blocks 5-8 of /19
    expect(network.subnets.map((s) => s.cidr)).toEqual(["10.1.128.0/19", "10.1.160.0/19"]);
  });

  it("never maps public IPs in isolated subnets and defaults public ones to off", () => {
    const { json } = build({
      name: "mixed",
      vpcCidr: "10.0.0.0/24",
      publicSubnets: [{ az: AZ_A }, { az: AZ_C }],
      isolatedSubnets: [{ az: AZ_A }, { az: AZ_C }],
    });
    const subnets = Object.values(resourcesOf(json, "aws_subnet"));
    expect(
      subnets
        .map((s) => [(s.tags as Record<string, string>).Name, s.cidr_block, s.map_public_ip_on_launch])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ["mixed-isolated-1a", "10.0.0.128/27", false],
      ["mixed-isolated-1c", "10.0.0.160/27", false],
      ["mixed-public-1a", "10.0.0.0/27", false],
      ["mixed-public-1c", "10.0.0.32/27", false],
    ]);
    // the public route table serves only the public subnets
    const publicRt = refOf(json, "aws_route_table", "mixed-public-rt");
    const isolatedRt = refOf(json, "aws_route_table", "mixed-isolated-rt");
    const assoc = Object.values(resourcesOf(json, "aws_route_table_association"));
    const bySubnet = Object.fromEntries(assoc.map((a) => [a.subnet_id, a.route_table_id]));
    expect(bySubnet).toEqual({
      [refOf(json, "aws_subnet", "mixed-public-1a")]: publicRt,
      [refOf(json, "aws_subnet", "mixed-public-1c")]: publicRt,
      [refOf(json, "aws_subnet", "mixed-isolated-1a")]: isolatedRt,
      [refOf(json, "aws_subnet", "mixed-isolated-1c")]: isolatedRt,
    });
  });

  it("keeps explicit CIDRs and derives the rest from free blocks", () => {
    const plan = planNetwork({
      vpcCidr: "10.0.0.0/24",
      publicSubnets: [{ az: AZ_A }, { az: AZ_C, cidr: "10.0.0.0/26" }],
      isolatedSubnets: [{ az: AZ_A, cidr: "10.0.0.192/26" }, { az: AZ_C }],
    });
    expect(plan.subnets.map((s) => `${s.field}=${s.cidr}`)).toEqual([
      "publicSubnets[0]=10.0.0.64/27",
      "publicSubnets[1]=10.0.0.0/26",
      "isolatedSubnets[0]=10.0.0.192/26",
      "isolatedSubnets[1]=10.0.0.128/27",
    ]);
  });

  it.each([
    ["public", "publicSubnets"],
    ["isolated", "isolatedSubnets"],
  ] as const)(
    "adding an AZ to the %s tier appends a block: no existing subnet moves or changes size",
    (_tier, list) => {
      const AZ_D = "ap-northeast-1d";
      const other = list === "publicSubnets" ? "isolatedSubnets" : "publicSubnets";
      const two = planNetwork({
        vpcCidr: "10.0.0.0/24",
        [list]: [{ az: AZ_A }, { az: AZ_C }],
        [other]: [{ az: AZ_A }, { az: AZ_C }],
      });
      const three = planNetwork({
        vpcCidr: "10.0.0.0/24",
        [list]: [{ az: AZ_A }, { az: AZ_C }, { az: AZ_D }],
        [other]: [{ az: AZ_A }, { az: AZ_C }],
      });
      const cidrs = (p: typeof two) => Object.fromEntries(p.subnets.map((s) => [s.field, s.cidr]));
      const before = cidrs(two);
      const after = cidrs(three);
      for (const [field, cidr] of Object.entries(before))
        expect([field, after[field]]).toEqual([field, cidr]);
      expect(Object.keys(after)).toHaveLength(5);
      expect(new Set(Object.values(after)).size).toBe(5);
    },
  );

  it("the old equal-split layout is kept by pinning its block size and per-tier count", () => {
    // before maxAzs: 2 public + 2 isolated subnets in a /24 were the four /26s, public first
    const plan = planNetwork({
      vpcCidr: "10.0.0.0/24",
      publicSubnets: [{ az: AZ_A }, { az: AZ_C }],
      isolatedSubnets: [{ az: AZ_A }, { az: AZ_C }],
      subnetPrefixLength: 26,
      maxAzs: 2,
    });
    expect(plan.subnets.map((s) => s.cidr)).toEqual([
      "10.0.0.0/26",
      "10.0.0.64/26",
      "10.0.0.128/26",
      "10.0.0.192/26",
    ]);
  });

  it("refuses more subnets in a tier than maxAzs, and a block size below /28", () => {
    expect(() =>
      planNetwork({ vpcCidr: "10.0.0.0/24", publicSubnets: [{ az: AZ_A }, { az: AZ_C }], maxAzs: 1 }),
    ).toThrow('publicSubnets "(2 subnets)" must list at most maxAzs 1 subnets');
    expect(() => planNetwork({ vpcCidr: "10.0.0.0/26", publicSubnets: [{ az: AZ_A }] })).toThrow(
      "cannot be derived: 8 blocks (maxAzs 4 per tier) of vpcCidr 10.0.0.0/26 are /29",
    );
  });

  it("honours subnetPrefixLength", () => {
    const plan = planNetwork({
      vpcCidr: "10.0.0.0/16",
      publicSubnets: [{ az: AZ_A }],
      subnetPrefixLength: 24,
    });
    expect(plan.subnets[0].cidr).toBe("10.0.0.0/24");
  });

  it("applies the tags to every taggable resource", () => {
    const { json } = build({
      ...guide,
      subnetPrefixLength: undefined,
      maxAzs: undefined,
      isolatedSubnets: [{ az: AZ_A }],
    });
    for (const type of [
      "aws_vpc",
      "aws_subnet",
      "aws_internet_gateway",
      "aws_route_table",
      "aws_default_security_group",
    ]) {
      for (const r of Object.values(resourcesOf(json, type))) {
        expect(r.tags).toMatchObject({ Project: "hr-chatbot", Name: expect.stringMatching(/^hr-chatbot/) });
      }
    }
  });

  it("warns when mapPublicIpOnLaunch is set without public subnets", () => {
    const { network } = build({
      name: "x1",
      vpcCidr: "10.0.0.0/24",
      isolatedSubnets: [{ az: AZ_A }],
      mapPublicIpOnLaunch: true,
    });
    expect(network.node.metadata).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "@cdktf/warn", data: expect.stringContaining("no publicSubnets") }),
      ]),
    );
  });
});

describe("Network: invalid input", () => {
  const base = { name: "hr-chatbot", vpcCidr: "10.0.0.0/24" };

  it("rejects the guide's failure 1: a /24 subnet filling the /24 VPC, then a /25", () => {
    const e = errorOf(() =>
      planNetwork({
        ...base,
        publicSubnets: [
          { az: AZ_A, cidr: "10.0.0.0/24" },
          { az: AZ_C, cidr: "10.0.0.128/25" },
        ],
      }),
    );
    expect(e.field).toBe("publicSubnets[1].cidr");
    expect(e.message).toBe(
      'publicSubnets[1].cidr "10.0.0.128/25" overlaps publicSubnets[0].cidr 10.0.0.0/24 (subnets of a VPC must not overlap)',
    );
  });

  it("rejects overlap across tiers", () => {
    expect(() =>
      planNetwork({
        ...base,
        publicSubnets: [{ az: AZ_A, cidr: "10.0.0.0/25" }],
        isolatedSubnets: [{ az: AZ_A, cidr: "10.0.0.64/26" }],
      }),
    ).toThrow('isolatedSubnets[0].cidr "10.0.0.64/26" overlaps publicSubnets[0].cidr 10.0.0.0/25');
  });

  it("rejects a subnet outside the VPC", () => {
    expect(() => planNetwork({ ...base, publicSubnets: [{ az: AZ_A, cidr: "10.0.1.0/25" }] })).toThrow(
      'publicSubnets[0].cidr "10.0.1.0/25" is outside vpcCidr 10.0.0.0/24',
    );
  });

  it.each([
    ["10.0.0.0", "is not an IPv4 CIDR block"],
    ["10.0.0.1/24", "has host bits set (the network address is 10.0.0.0/24)"],
    ["10.0.0.0/8", "must have a prefix length from /16 to /28"],
    ["10.0.0.0/29", "must have a prefix length from /16 to /28"],
  ])("rejects vpcCidr %s", (vpcCidr, rule) => {
    expect(() => planNetwork({ vpcCidr, publicSubnets: [{ az: AZ_A }] })).toThrow(
      `vpcCidr "${vpcCidr}" ${rule}`,
    );
  });

  it("rejects a malformed or too small subnet CIDR", () => {
    expect(() => planNetwork({ ...base, isolatedSubnets: [{ az: AZ_A, cidr: "10.0.0.0/33" }] })).toThrow(
      'isolatedSubnets[0].cidr "10.0.0.0/33" is not an IPv4 CIDR block',
    );
    expect(() => planNetwork({ ...base, isolatedSubnets: [{ az: AZ_A, cidr: "10.0.0.0/29" }] })).toThrow(
      'isolatedSubnets[0].cidr "10.0.0.0/29" must have a prefix length from /16 to /28 (AWS subnet limits)',
    );
  });

  it("requires at least one subnet", () => {
    expect(() => planNetwork({ ...base })).toThrow("must declare at least one subnet");
    expect(
      () => new Network(testStack().stack, "n", { ...base, publicSubnets: [], isolatedSubnets: [] }),
    ).toThrow("must declare at least one subnet");
  });

  it("rejects two subnets of one tier in the same AZ, and bad AZ names", () => {
    expect(() => planNetwork({ ...base, publicSubnets: [{ az: AZ_A }, { az: AZ_A }] })).toThrow(
      'publicSubnets[1].az "ap-northeast-1a" duplicates publicSubnets[0].az (at most one public subnet per availability zone)',
    );
    expect(() => planNetwork({ ...base, publicSubnets: [{ az: "apne1-az1" }] })).toThrow(
      'publicSubnets[0].az "apne1-az1" is an availability zone ID; give the zone name such as ap-northeast-1a',
    );
    expect(() => planNetwork({ ...base, publicSubnets: [{ az: "ap-northeast-1" }] })).toThrow(
      "is not an availability zone name",
    );
    expect(() =>
      planNetwork({ ...base, publicSubnets: [{ az: AZ_A }], isolatedSubnets: [{ az: "us-east-1a" }] }),
    ).toThrow(
      'isolatedSubnets[0].az "us-east-1a" is in region us-east-1, but publicSubnets[0].az is in ap-northeast-1',
    );
  });

  it("fails when derived subnets do not fit", () => {
    expect(() =>
      planNetwork({
        ...base,
        publicSubnets: [{ az: AZ_A, cidr: "10.0.0.0/25" }, { az: AZ_C }],
        isolatedSubnets: [{ az: AZ_A, cidr: "10.0.0.128/26" }],
        subnetPrefixLength: 25,
      }),
    ).toThrow(
      "publicSubnets[1].cidr (unset) cannot be derived: the public tier's range of vpcCidr 10.0.0.0/24 (blocks 1-4 of /25) has only 0 free block(s) for 1 subnet(s) without a cidr",
    );
    expect(() =>
      planNetwork({ vpcCidr: "10.0.0.0/28", publicSubnets: [{ az: AZ_A }, { az: AZ_C }] }),
    ).toThrow("cannot be derived: 8 blocks (maxAzs 4 per tier) of vpcCidr 10.0.0.0/28 are /31");
    expect(() => planNetwork({ ...base, publicSubnets: [{ az: AZ_A }], subnetPrefixLength: 20 })).toThrow(
      "subnetPrefixLength 20 must be an integer from 24 to 28",
    );
  });

  it("validates the name", () => {
    expect(() => build({ ...guide, name: "HR_Chatbot" })).toThrow(
      'name "HR_Chatbot" must be 2-40 lower-case',
    );
  });
});
