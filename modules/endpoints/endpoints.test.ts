import { TerraformOutput } from "cdktf";
import { resourcesOf, synthJson, testStack, configErrorOf } from "../core/testing";
import type { PolicyDocument } from "../core/iam";
import { InterfaceEndpoints, InterfaceEndpointsProps, endpointPlacementProblem } from "./endpoints";

const SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0ccccccccccccccc3"];
const ENDPOINT_SG = "sg-0123456789abcdef0";

function build(props: Partial<InterfaceEndpointsProps> = {}) {
  const { stack } = testStack();
  const endpoints = new InterfaceEndpoints(stack, "endpoints", {
    name: "hr-chatbot",
    region: "ap-northeast-1",
    vpcId: "vpc-0123456789abcdef0",
    subnetIds: SUBNETS,
    securityGroupIds: [ENDPOINT_SG],
    ...props,
  });
  for (const service of endpoints.services) {
    new TerraformOutput(stack, `id-${service.replace(/\./g, "-")}`, {
      value: endpoints.endpointIds[service],
    });
  }
  const json = synthJson(stack);
  /** Synthesized endpoints keyed by their Name tag. */
  const byName = Object.fromEntries(
    Object.entries(resourcesOf(json, "aws_vpc_endpoint")).map(([key, r]) => [
      (r.tags as Record<string, string>).Name,
      { ...r, key } as Record<string, unknown> & { key: string },
    ]),
  );
  return { endpoints, json, byName };
}

const errorOf = configErrorOf;

describe("InterfaceEndpoints: defaults (the guide's two endpoints)", () => {
  const { endpoints, json, byName } = build({ tags: { Project: "hr-chatbot" } });

  it("creates one Interface endpoint for Secrets Manager and one for the Bedrock runtime", () => {
    expect(Object.keys(byName).sort()).toEqual(["hr-chatbot-bedrock-runtime", "hr-chatbot-secretsmanager"]);
    expect(byName["hr-chatbot-secretsmanager"]).toMatchObject({
      service_name: "com.amazonaws.ap-northeast-1.secretsmanager",
      vpc_endpoint_type: "Interface",
    });
    expect(byName["hr-chatbot-bedrock-runtime"]).toMatchObject({
      service_name: "com.amazonaws.ap-northeast-1.bedrock-runtime",
      vpc_endpoint_type: "Interface",
    });
  });

  it("always enables private DNS and uses the given VPC, subnets and groups", () => {
    for (const e of Object.values(byName)) {
      expect(e).toMatchObject({
        private_dns_enabled: true,
        vpc_id: "vpc-0123456789abcdef0",
        subnet_ids: SUBNETS,
        security_group_ids: [ENDPOINT_SG],
        tags: { Project: "hr-chatbot", Name: expect.stringMatching(/^hr-chatbot-/) },
      });
      expect(e).not.toHaveProperty("policy");
    }
  });

  it("exposes services, service names, ids and the billing count", () => {
    expect(endpoints.services).toEqual(["secretsmanager", "bedrock-runtime"]);
    expect(endpoints.serviceNames).toEqual({
      secretsmanager: "com.amazonaws.ap-northeast-1.secretsmanager",
      "bedrock-runtime": "com.amazonaws.ap-northeast-1.bedrock-runtime",
    });
    expect(json.output?.["id-secretsmanager"]?.value).toBe(
      `\${aws_vpc_endpoint.${byName["hr-chatbot-secretsmanager"].key}.id}`,
    );
    expect(json.output?.["id-bedrock-runtime"]?.value).toBe(
      `\${aws_vpc_endpoint.${byName["hr-chatbot-bedrock-runtime"].key}.id}`,
    );
    expect(endpoints.hasEndpointFor("secretsmanager")).toBe(true);
    expect(endpoints.hasEndpointFor("bedrock-runtime")).toBe(true);
    expect(endpoints.hasEndpointFor("s3")).toBe(false);
    expect(endpoints.billableEndpointAzs).toBe(4);
  });
});

describe("InterfaceEndpoints: options", () => {
  it("builds service names for other services and regions", () => {
    const { endpoints, byName } = build({ region: "us-east-1", services: ["ecr.api", "logs"] });
    expect(byName["hr-chatbot-ecr.api"].service_name).toBe("com.amazonaws.us-east-1.ecr.api");
    expect(byName["hr-chatbot-logs"].service_name).toBe("com.amazonaws.us-east-1.logs");
    expect(endpoints.hasEndpointFor("secretsmanager")).toBe(false);
    expect(endpoints.billableEndpointAzs).toBe(4);
  });

  it("attaches a policy, as JSON, only to its service", () => {
    const policy: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*" },
      ],
    };
    const { byName } = build({ policies: { secretsmanager: policy } });
    expect(JSON.parse(byName["hr-chatbot-secretsmanager"].policy as string)).toEqual(policy);
    expect(byName["hr-chatbot-bedrock-runtime"]).not.toHaveProperty("policy");
  });
});

describe("InterfaceEndpoints: invalid input", () => {
  it("rejects a policy for a service without an endpoint", () => {
    const e = errorOf(() => build({ policies: { s3: { Version: "2012-10-17", Statement: [] } } }));
    expect(e.field).toBe("policies.s3");
    expect(e.message).toBe('policies.s3 "s3" is not one of services (secretsmanager, bedrock-runtime)');
  });

  it("rejects empty, duplicate and malformed services", () => {
    expect(() => build({ services: [] })).toThrow("services [] must name at least one service");
    expect(() => build({ services: ["secretsmanager", "secretsmanager"] })).toThrow(
      'services[1] "secretsmanager" duplicates services[0]',
    );
    expect(() => build({ services: ["com.amazonaws.ap-northeast-1.secretsmanager"] })).toThrow(
      'services[0] "com.amazonaws.ap-northeast-1.secretsmanager" is a full service name; give the short name',
    );
    expect(() => build({ services: ["Secrets Manager"] })).toThrow(
      'services[0] "Secrets Manager" must be a service short name',
    );
  });

  it("rejects a bad region", () => {
    expect(() => build({ region: "ap-northeast-1a" })).toThrow(
      'region "ap-northeast-1a" must be an AWS region code such as ap-northeast-1',
    );
  });

  it("requires subnets and security groups, without duplicates", () => {
    expect(() => build({ subnetIds: [] })).toThrow("subnetIds [] must list at least one subnet id");
    expect(() => build({ securityGroupIds: [] })).toThrow(
      "securityGroupIds [] must list at least one security group id",
    );
    expect(() => build({ subnetIds: [SUBNETS[0], SUBNETS[0]] })).toThrow(
      `subnetIds[1] "${SUBNETS[0]}" duplicates subnetIds[0]`,
    );
  });

  it("rejects a non-object policy and a bad name", () => {
    expect(() => build({ policies: { secretsmanager: [] as unknown as PolicyDocument } })).toThrow(
      "policies.secretsmanager [] must be an IAM policy document object",
    );
    expect(() => build({ name: "Endpoints!" })).toThrow('name "Endpoints!" must be 2-40 lower-case');
  });
});

describe("InterfaceEndpoints: placement", () => {
  it("single-az keeps the first subnet only and bills one endpoint-AZ per service", () => {
    const { endpoints, byName } = build({ placement: "single-az" });
    expect(byName["hr-chatbot-secretsmanager"].subnet_ids).toEqual([SUBNETS[0]]);
    expect(byName["hr-chatbot-bedrock-runtime"].subnet_ids).toEqual([SUBNETS[0]]);
    expect(endpoints.billableEndpointAzs).toBe(2);
    expect(endpoints.subnetIds).toEqual([SUBNETS[0]]);
  });

  it("all-azs (the default) uses every subnet", () => {
    const { endpoints, byName } = build();
    expect(endpoints.placement).toBe("all-azs");
    expect(byName["hr-chatbot-secretsmanager"].subnet_ids).toEqual(SUBNETS);
    expect(endpoints.billableEndpointAzs).toBe(4);
  });

  it("refuses an unknown placement; single-az is refused in production by its validator", () => {
    expect(() => build({ placement: "one" as never })).toThrow(
      'placement "one" must be one of all-azs, single-az',
    );
    expect(endpointPlacementProblem("single-az", true)).toMatch(
      /^must be "all-azs" in a production environment/,
    );
    expect(endpointPlacementProblem("single-az", false)).toBeUndefined();
    expect(endpointPlacementProblem("all-azs", true)).toBeUndefined();
  });
});
