/**
 * Example consumer of the module library: a private document-search service
 * in another region, built only from `modules/` (no hr-chatbot code).
 *
 * - isolated subnets only, CIDRs derived from the VPC range
 * - Aurora Serverless v2 that scales to zero when idle
 * - a container-image Lambda behind an HTTP API with its own routes
 * - Secrets Manager as the only AWS service the function calls (no Bedrock)
 */
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack, LocalBackend } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  AuroraPostgresServerless,
  DatabaseSecret,
  DbBootstrap,
  HttpApi,
  InterfaceEndpoints,
  Network,
  SecurityGroups,
  VpcFunction,
} from "../../modules";

/** Properties of {@link DocsSearchStack}. */
export interface DocsSearchStackProps {
  /** Region. @default "eu-west-1" */
  readonly region?: string;
  /** Container image of the search service (ECR URI). */
  readonly imageUri: string;
}

/** A small private search service composed from the module library. */
export class DocsSearchStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: DocsSearchStackProps) {
    super(scope, id);
    const region = props.region ?? "eu-west-1";
    const name = "docs-search";
    const tags = { Project: name, Owner: "platform" };

    new AwsProvider(this, "aws", { region, defaultTags: [{ tags }] });
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });

    const network = new Network(this, "network", {
      name,
      tags,
      vpcCidr: "10.20.0.0/22",
      isolatedSubnets: [{ az: `${region}a` }, { az: `${region}b` }],
    });
    const groups = new SecurityGroups(this, "security", { name, tags, vpcId: network.vpcId });
    const endpoints = new InterfaceEndpoints(this, "endpoints", {
      name,
      tags,
      region,
      vpcId: network.vpcId,
      subnetIds: network.isolatedSubnetIds,
      securityGroupIds: [groups.endpointSecurityGroupId],
      services: ["secretsmanager"],
    });

    const credentials = new DatabaseSecret(this, "db-secret", {
      name,
      tags,
      region,
      secretName: `${name}/database`,
    });
    const database = new AuroraPostgresServerless(this, "database", {
      name,
      tags,
      subnetIds: network.isolatedSubnetIds,
      securityGroupIds: [groups.databaseSecurityGroupId],
      databaseName: "docs",
      minCapacity: 0,
      maxCapacity: 4,
      secondsUntilAutoPause: 900,
      deletionProtection: false,
      skipFinalSnapshot: true,
    });

    const fn = new VpcFunction(this, "function", {
      name,
      tags,
      region,
      functionName: `${name}-service`,
      code: { type: "image", imageUri: props.imageUri },
      memoryMb: 512,
      timeoutSeconds: 20,
      vpc: { subnetIds: network.isolatedSubnetIds, securityGroupIds: [groups.appSecurityGroupId] },
      secrets: [{ envVar: "DB_SECRET_NAME", secret: credentials }],
      environment: { INDEX_NAME: "documents" },
    });
    // creates the role docs_app and writes its connection details into `credentials`
    new DbBootstrap(this, "db-bootstrap", {
      name,
      tags,
      region,
      vpc: { subnetIds: network.isolatedSubnetIds, securityGroupIds: [groups.appSecurityGroupId] },
      database,
      databaseSecret: credentials,
      dependsOn: [
        ...database.instances,
        ...(endpoints.endpoints.secretsmanager ? [endpoints.endpoints.secretsmanager] : []),
      ],
    });
    const api = new HttpApi(this, "api", {
      name,
      tags,
      handler: fn,
      routes: ["GET /search", "POST /documents", "GET /health"],
    });

    new TerraformOutput(this, "url", { value: api.url });
    new TerraformOutput(this, "cluster_endpoint", { value: database.endpoint });
  }
}
