// A platform team's own CDKTF app that uses @hr-chatbot/cdktf-modules as a
// library: made with `cdktf init --template=typescript`, then the package and
// the two providers installed (see README.md).
import { Construct } from "constructs";
import { App, TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  AuroraPostgresServerless,
  DatabaseSecret,
  DbBootstrap,
  HttpApi,
  InterfaceEndpoints,
  Network,
  Observability,
  SecurityGroups,
  VpcFunction,
} from "@hr-chatbot/cdktf-modules";

class ReportsStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const region = "eu-central-1";
    const name = "reports";
    const tags = { Project: name, Owner: "platform" };

    new AwsProvider(this, "aws", { region });

    const network = new Network(this, "network", {
      name,
      tags,
      vpcCidr: "10.30.0.0/24",
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

    const databaseSecret = new DatabaseSecret(this, "database-secret", {
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
      databaseName: "reports",
      minCapacity: 0.5,
      maxCapacity: 2,
    });

    const vpc = { subnetIds: network.isolatedSubnetIds, securityGroupIds: [groups.appSecurityGroupId] };
    // no `code` yet: the module deploys its placeholder health-check handler
    const backend = new VpcFunction(this, "function", {
      name,
      tags,
      region,
      functionName: `${name}-api`,
      vpc,
      secrets: [{ envVar: "DB_SECRET_NAME", secret: databaseSecret }],
    });
    const api = new HttpApi(this, "api", { name, tags, handler: backend });

    // pgvector and the module's migrations, applied from inside the VPC on deploy
    new DbBootstrap(this, "db-bootstrap", {
      name,
      tags,
      region,
      vpc,
      // connects as the RDS-managed master user, creates the role reports_app and writes its
      // password into databaseSecret: no secret value passes through Terraform
      database,
      databaseSecret,
      dependsOn: [
        ...database.instances,
        ...(endpoints.endpoints.secretsmanager ? [endpoints.endpoints.secretsmanager] : []),
      ],
    });

    new Observability(this, "observability", {
      name,
      tags,
      region,
      lambdaFunction: backend,
      httpApi: api,
      database,
    });

    new TerraformOutput(this, "api_url", { value: api.url });
  }
}

const app = new App();
new ReportsStack(app, "reports");
app.synth();
