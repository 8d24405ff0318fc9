import { Testing } from "cdktf";
import { DocsSearchStack } from "./docs-search-stack";

type Json = { resource: Record<string, Record<string, Record<string, unknown>>> };

function synth(): Json {
  const app = Testing.app();
  const stack = new DocsSearchStack(app, "docs-search", {
    imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docs-search:1.0.0",
  });
  // `true` runs construct validations (e.g. a database secret never attached to a cluster)
  return JSON.parse(Testing.synth(stack, true)) as Json;
}

const only = (json: Json, type: string) => {
  const all = Object.values(json.resource[type] ?? {});
  expect(all).toHaveLength(1);
  return all[0];
};

describe("example consumer: docs-search", () => {
  const json = synth();

  it("derives isolated subnet CIDRs in eu-west-1 and creates no internet gateway", () => {
    const subnets = Object.values(json.resource.aws_subnet);
    expect(subnets.map((s) => [s.availability_zone, s.cidr_block])).toEqual([
      // /25 blocks, four per tier; the isolated tier owns the second half of the /22
      ["eu-west-1a", "10.20.2.0/25"],
      ["eu-west-1b", "10.20.2.128/25"],
    ]);
    expect(json.resource.aws_internet_gateway).toBeUndefined();
  });

  it("scales the database to zero when idle", () => {
    const cluster = only(json, "aws_rds_cluster");
    expect(cluster.serverlessv2_scaling_configuration).toEqual({
      min_capacity: 0,
      max_capacity: 4,
      seconds_until_auto_pause: 900,
    });
    expect(cluster.cluster_identifier).toBe("docs-search-cluster");
  });

  it("runs a container image and reads only its own secret", () => {
    const fn = Object.values(json.resource.aws_lambda_function).find(
      (f) => f.function_name === "docs-search-service",
    )!;
    expect(fn.package_type).toBe("Image");
    expect(fn.function_name).toBe("docs-search-service");
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual(
      expect.objectContaining({ DB_SECRET_NAME: "docs-search/database", INDEX_NAME: "documents" }),
    );
    const policies = JSON.stringify(json.resource.aws_iam_role_policy);
    expect(policies).toContain("secretsmanager:GetSecretValue");
    expect(policies).not.toContain("bedrock:");
  });

  it("exposes its own routes and only the endpoint it needs", () => {
    const routes = Object.values(json.resource.aws_apigatewayv2_route).map((r) => r.route_key);
    expect(routes.sort()).toEqual(["GET /health", "GET /search", "POST /documents"]);
    const endpoint = only(json, "aws_vpc_endpoint");
    expect(endpoint.service_name).toBe("com.amazonaws.eu-west-1.secretsmanager");
    expect(endpoint.private_dns_enabled).toBe(true);
  });
});
