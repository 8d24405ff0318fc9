import { TerraformOutput } from "cdktf";
import { resourcesOf, synthJson, testStack, configErrorOf } from "../core/testing";
import { SecurityGroups, SecurityGroupsProps } from "./security";

const VPC_ID = "vpc-0123456789abcdef0";
const DEV_CIDR = "203.0.113.10/32"; // documentation range (RFC 5737)

function build(props: Partial<SecurityGroupsProps> = {}) {
  const { stack } = testStack();
  const sg = new SecurityGroups(stack, "security", { name: "hr-chatbot", vpcId: VPC_ID, ...props });
  new TerraformOutput(stack, "app", { value: sg.appSecurityGroupId });
  new TerraformOutput(stack, "database", { value: sg.databaseSecurityGroupId });
  new TerraformOutput(stack, "endpoint", { value: sg.endpointSecurityGroupId });
  const json = synthJson(stack);
  const ref = (group: "app" | "database" | "endpoint"): string => json.output?.[group]?.value as string;
  return { sg, json, ref };
}

type Rule = Record<string, unknown>;

/** Ingress and egress rules as comparable records, without tags. */
function rulesOf(json: ReturnType<typeof synthJson>): { ingress: Rule[]; egress: Rule[] } {
  const strip = (r: Rule): Rule => {
    const copy = { ...r };
    delete copy.tags;
    return copy;
  };
  return {
    ingress: Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).map(strip),
    egress: Object.values(resourcesOf(json, "aws_vpc_security_group_egress_rule")).map(strip),
  };
}

const errorOf = configErrorOf;

describe("SecurityGroups: defaults", () => {
  const { sg, json, ref } = build({ tags: { Project: "hr-chatbot" } });

  it("creates three named groups in the VPC without inline rules", () => {
    const groups = Object.values(resourcesOf(json, "aws_security_group"));
    expect(groups.map((g) => g.name).sort()).toEqual([
      "hr-chatbot-app-sg",
      "hr-chatbot-database-sg",
      "hr-chatbot-endpoint-sg",
    ]);
    for (const g of groups) {
      expect(g.vpc_id).toBe(VPC_ID);
      expect(g).not.toHaveProperty("ingress");
      expect(g).not.toHaveProperty("egress");
      expect(g.tags).toEqual({ Project: "hr-chatbot", Name: g.name });
      expect(g.description).toMatch(/^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{1,255}$/);
    }
  });

  it("lets the app reach the endpoints on 443 and the database on 5432, and nothing else", () => {
    expect(rulesOf(json).egress).toEqual(
      expect.arrayContaining([
        {
          security_group_id: ref("app"),
          ip_protocol: "tcp",
          from_port: 443,
          to_port: 443,
          referenced_security_group_id: ref("endpoint"),
          description: "HTTPS to the interface VPC endpoints",
        },
        {
          security_group_id: ref("app"),
          ip_protocol: "tcp",
          from_port: 5432,
          to_port: 5432,
          referenced_security_group_id: ref("database"),
          description: "Database connections to the database group",
        },
      ]),
    );
    expect(rulesOf(json).egress).toHaveLength(2);
  });

  it("opens the database port to the app group only", () => {
    const ingress = rulesOf(json).ingress.filter((r) => r.security_group_id === ref("database"));
    expect(ingress).toEqual([
      {
        security_group_id: ref("database"),
        ip_protocol: "tcp",
        from_port: 5432,
        to_port: 5432,
        referenced_security_group_id: ref("app"),
        description: "Database connections from the application group",
      },
    ]);
  });

  it("opens 443 on the endpoint group to the app group (the guide's failure 5)", () => {
    const ingress = rulesOf(json).ingress.filter((r) => r.security_group_id === ref("endpoint"));
    expect(ingress).toEqual([
      {
        security_group_id: ref("endpoint"),
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        referenced_security_group_id: ref("app"),
        description: "HTTPS from the application group",
      },
    ]);
    // no rule anywhere opens a CIDR by default
    const all = [...rulesOf(json).ingress, ...rulesOf(json).egress];
    expect(all.filter((r) => "cidr_ipv4" in r)).toEqual([]);
  });

  it("tags every rule", () => {
    const all = [
      ...Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")),
      ...Object.values(resourcesOf(json, "aws_vpc_security_group_egress_rule")),
    ];
    expect(all).toHaveLength(4);
    for (const r of all) {
      expect(r.tags).toEqual({ Project: "hr-chatbot", Name: expect.stringMatching(/^hr-chatbot-/) });
    }
  });

  it("describes the wiring in `rules`", () => {
    expect(sg.databasePort).toBe(5432);
    expect(sg.rules.map((r) => [r.group, r.direction, r.port, r.peer])).toEqual([
      ["app", "egress", 443, { kind: "security-group", group: "endpoint" }],
      ["app", "egress", 5432, { kind: "security-group", group: "database" }],
      ["database", "ingress", 5432, { kind: "security-group", group: "app" }],
      ["endpoint", "ingress", 443, { kind: "security-group", group: "app" }],
    ]);
    expect(sg.rulesOf("endpoint")).toHaveLength(1);
    // each described rule matches one synthesized rule
    expect(sg.rules).toHaveLength(rulesOf(json).ingress.length + rulesOf(json).egress.length);
  });
});

describe("SecurityGroups: options", () => {
  it("adds one database rule per developer CIDR and uses the given port", () => {
    const { sg, json, ref } = build({ databasePort: 5433, developerCidrs: [DEV_CIDR, "198.51.100.0/24"] });
    const ingress = rulesOf(json).ingress.filter((r) => r.security_group_id === ref("database"));
    expect(ingress).toHaveLength(3);
    expect(ingress).toEqual(
      expect.arrayContaining([
        {
          security_group_id: ref("database"),
          ip_protocol: "tcp",
          from_port: 5433,
          to_port: 5433,
          cidr_ipv4: DEV_CIDR,
          description: `Developer access from ${DEV_CIDR} (development only)`,
        },
        expect.objectContaining({ cidr_ipv4: "198.51.100.0/24", from_port: 5433 }),
        expect.objectContaining({ referenced_security_group_id: ref("app"), from_port: 5433 }),
      ]),
    );
    expect(
      rulesOf(json).egress.find((r) => r.referenced_security_group_id === ref("database")),
    ).toMatchObject({
      from_port: 5433,
      to_port: 5433,
    });
    expect(sg.developerCidrs).toEqual([DEV_CIDR, "198.51.100.0/24"]);
  });

  it("adds extra app egress to CIDRs", () => {
    const { json, ref } = build({
      appEgressCidrs: [{ cidr: "10.20.0.0/16", port: 8443, description: "Internal API over TLS" }],
    });
    expect(rulesOf(json).egress).toEqual(
      expect.arrayContaining([
        {
          security_group_id: ref("app"),
          ip_protocol: "tcp",
          from_port: 8443,
          to_port: 8443,
          cidr_ipv4: "10.20.0.0/16",
          description: "Internal API over TLS",
        },
      ]),
    );
  });

  it("names developer rules after their CIDR, so ids stay stable when the list is reordered", () => {
    const { json } = build({ developerCidrs: [DEV_CIDR] });
    const ids = Object.keys(resourcesOf(json, "aws_vpc_security_group_ingress_rule"));
    expect(ids.some((id) => id.includes("database-from-203-0-113-10-32"))).toBe(true);
    // rules are standalone aws_vpc_security_group_*_rule resources, never the legacy type
    expect(resourcesOf(json, "aws_security_group_rule")).toEqual({});
  });
});

describe("SecurityGroups: invalid input", () => {
  it("rejects 0.0.0.0/0 as a developer CIDR", () => {
    const e = errorOf(() => build({ developerCidrs: [DEV_CIDR, "0.0.0.0/0"] }));
    expect(e.field).toBe("developerCidrs[1]");
    expect(e.message).toBe(
      'developerCidrs[1] "0.0.0.0/0" would open the database port to the whole internet; give the developer\'s own address (/32)',
    );
  });

  it("rejects malformed and duplicate developer CIDRs", () => {
    expect(() => build({ developerCidrs: ["203.0.113.10"] })).toThrow(
      'developerCidrs[0] "203.0.113.10" is not an IPv4 CIDR block',
    );
    expect(() => build({ developerCidrs: ["203.0.113.10/24"] })).toThrow(
      'developerCidrs[0] "203.0.113.10/24" has host bits set (the network address is 203.0.113.0/24)',
    );
    expect(() => build({ developerCidrs: [DEV_CIDR, DEV_CIDR] })).toThrow(
      `developerCidrs[1] "${DEV_CIDR}" duplicates developerCidrs[0]`,
    );
  });

  it("rejects a bad database port", () => {
    expect(() => build({ databasePort: 0 })).toThrow("databasePort 0 must be an integer from 1 to 65535");
    expect(() => build({ databasePort: 70000 })).toThrow(
      "databasePort 70000 must be an integer from 1 to 65535",
    );
  });

  it("rejects bad extra egress", () => {
    expect(() => build({ appEgressCidrs: [{ cidr: "10.20.0.0/33", port: 443, description: "x" }] })).toThrow(
      'appEgressCidrs[0].cidr "10.20.0.0/33" is not an IPv4 CIDR block',
    );
    expect(() => build({ appEgressCidrs: [{ cidr: "10.20.0.0/16", port: 0, description: "x" }] })).toThrow(
      "appEgressCidrs[0].port 0 must be an integer from 1 to 65535",
    );
    expect(() =>
      build({ appEgressCidrs: [{ cidr: "10.20.0.0/16", port: 443, description: "app -> api" }] }),
    ).toThrow('appEgressCidrs[0].description "app -> api" must be 1-255 characters');
    expect(() =>
      build({
        appEgressCidrs: [
          { cidr: "10.20.0.0/16", port: 443, description: "a" },
          { cidr: "10.20.0.0/16", port: 443, description: "b" },
        ],
      }),
    ).toThrow("appEgressCidrs[1]");
  });

  it("rejects a bad name or an empty VPC id", () => {
    expect(() => build({ name: "Bad_Name" })).toThrow('name "Bad_Name" must be 2-40 lower-case');
    expect(() => build({ name: "sg-app" })).toThrow('name "sg-app" must not start with sg-');
    expect(() => build({ vpcId: "" })).toThrow('vpcId "" must be a VPC id');
  });
});
