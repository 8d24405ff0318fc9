/**
 * What exists in the emulator, read back through the AWS SDK for JavaScript v3
 * and compared with the environment file: after apply (everything the
 * environment asks for is there, with its settings) and after destroy
 * (nothing is left but the state bucket and secrets scheduled for deletion).
 *
 * Every client talks to the emulator endpoint only, with placeholder keys.
 * Secret values are parsed to check their keys and never printed.
 */
import {
  EC2Client,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type IpPermission,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import {
  ApiGatewayV2Client,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStagesCommand,
} from "@aws-sdk/client-apigatewayv2";
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from "@aws-sdk/client-iam";
import { planNetwork } from "../../modules/network/network";
import { DEFAULT_DATABASE_NAME } from "../../modules/database/database";
import { defaultAppRoleName } from "../../modules/db-bootstrap/db-bootstrap";
import type { EnvConfig } from "../../stacks/config/schema";
import { secretNames } from "../../stacks/config/rules";
import { FAKE_CREDENTIALS } from "./moto";
import type { EmulatorCredentials } from "./accounts";
import type { StackNames } from "./names";

/** One compared fact. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** `actual` (and `expected` when it failed); never a secret value. */
  readonly detail: string;
}

/** Collects checks; a failed check never throws, so every problem is reported at once. */
export class Checks {
  public readonly list: Check[] = [];
  /**
   * Secret values read back from the emulator's Secrets Manager (passwords,
   * signing keys), kept in memory only so a caller can check that no file
   * (the Terraform state) holds them; never printed.
   */
  public readonly secretValues: string[] = [];

  /** Deep-equal comparison of plain values (arrays compared in order: sort first where order is free). */
  eq(name: string, actual: unknown, expected: unknown): boolean {
    const a = JSON.stringify(actual ?? null);
    const e = JSON.stringify(expected ?? null);
    const ok = a === e;
    this.list.push({ name, ok, detail: ok ? a : `got ${a}, expected ${e}` });
    return ok;
  }

  /** A condition with a description of what was seen. */
  that(name: string, ok: boolean, detail: string): boolean {
    this.list.push({ name, ok, detail });
    return ok;
  }

  /** Run `fn`; an exception becomes one failed check instead of aborting the rest. */
  async guard(name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.that(name, false, `error: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }

  get failed(): Check[] {
    return this.list.filter((c) => !c.ok);
  }
}

/** SDK clients for the emulator. */
export interface AwsClients {
  readonly ec2: EC2Client;
  readonly rds: RDSClient;
  readonly secrets: SecretsManagerClient;
  readonly lambda: LambdaClient;
  readonly api: ApiGatewayV2Client;
  readonly s3: S3Client;
  readonly iam: IAMClient;
  /** The emulator endpoint and region, for the raw CloudWatch Logs calls. */
  readonly endpoint: string;
  readonly region: string;
  /** The keys of the clients (they name the emulator account). */
  readonly credentials: EmulatorCredentials;
  /** Close every client's connections. */
  destroy(): void;
}

/** Clients whose only endpoint is the emulator, with placeholder keys. */
export function awsClients(
  endpoint: string,
  region: string,
  credentials: EmulatorCredentials = FAKE_CREDENTIALS,
): AwsClients {
  const common = { endpoint, region, credentials, maxAttempts: 2 };
  const clients = {
    ec2: new EC2Client(common),
    rds: new RDSClient(common),
    secrets: new SecretsManagerClient(common),
    lambda: new LambdaClient(common),
    api: new ApiGatewayV2Client(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
    iam: new IAMClient(common),
  };
  return {
    ...clients,
    endpoint,
    region,
    credentials,
    destroy: () => Object.values(clients).forEach((c) => c.destroy()),
  };
}

/**
 * A CloudWatch Logs JSON call to the emulator (no logs client is among the
 * project's SDK packages). The request carries a credential scope naming the
 * service and region, as a signed request would; the emulator does not verify
 * signatures.
 */
export async function logsCall<T>(clients: AwsClients, target: string, body: unknown): Promise<T> {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, "");
  const response = await fetch(clients.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `Logs_20140328.${target}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${clients.credentials.accessKeyId}/${date}/${clients.region}/logs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`logs ${target}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface LogGroup {
  readonly logGroupName: string;
  readonly retentionInDays?: number;
}

async function logGroups(clients: AwsClients): Promise<LogGroup[]> {
  const out = await logsCall<{ logGroups?: LogGroup[] }>(clients, "DescribeLogGroups", {});
  return out.logGroups ?? [];
}

const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort();

function tagValue(
  tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined,
  key: string,
): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** Ingress/egress permissions of a group as `proto:from-to <- source` strings. */
function permissions(
  list: readonly IpPermission[] | undefined,
  names: ReadonlyMap<string, string>,
): string[] {
  const out: string[] = [];
  for (const p of list ?? []) {
    const port = `${p.IpProtocol}:${p.FromPort ?? "*"}-${p.ToPort ?? "*"}`;
    for (const r of p.IpRanges ?? []) out.push(`${port} ${r.CidrIp} "${r.Description ?? ""}"`);
    for (const g of p.UserIdGroupPairs ?? [])
      out.push(`${port} ${names.get(g.GroupId ?? "") ?? g.GroupId} "${g.Description ?? ""}"`);
  }
  return sorted(out);
}

/** Full service name of an interface endpoint service. */
function endpointServiceName(region: string, service: string): string {
  return `com.amazonaws.${region}.${service}`;
}

/** Checks of the state bucket made by the bootstrap stack. */
export async function checkStateBucket(clients: AwsClients, bucket: string): Promise<Checks> {
  const c = new Checks();
  const s3 = clients.s3;
  await c.guard("state bucket", async () => {
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    c.eq("state bucket versioning", versioning.Status, "Enabled");
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    c.eq(
      "state bucket default encryption",
      enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      "AES256",
    );
    const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    const b = pab.PublicAccessBlockConfiguration;
    c.eq(
      "state bucket public access block",
      [b?.BlockPublicAcls, b?.BlockPublicPolicy, b?.IgnorePublicAcls, b?.RestrictPublicBuckets],
      [true, true, true, true],
    );
    const own = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }));
    c.eq(
      "state bucket object ownership",
      own.OwnershipControls?.Rules?.[0]?.ObjectOwnership,
      "BucketOwnerEnforced",
    );
    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    const doc = JSON.parse(policy.Policy ?? "{}") as { Statement?: Array<{ Sid?: string; Effect?: string }> };
    c.eq("state bucket policy statements", sorted((doc.Statement ?? []).map((s) => `${s.Sid}:${s.Effect}`)), [
      "DenyInsecureTransport:Deny",
      "DenyOutdatedTls:Deny",
    ]);
    const lc = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    const rule = lc.Rules?.[0];
    c.eq(
      "state bucket lifecycle rule",
      {
        id: rule?.ID,
        status: rule?.Status,
        noncurrentDays: rule?.NoncurrentVersionExpiration?.NoncurrentDays,
        expiredDeleteMarker: rule?.Expiration?.ExpiredObjectDeleteMarker,
        abortMultipartDays: rule?.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
      },
      {
        id: "state-history",
        status: "Enabled",
        noncurrentDays: 90,
        expiredDeleteMarker: true,
        abortMultipartDays: 7,
      },
    );
  });
  return c;
}

/**
 * Everything the environment asks for exists with its settings. Resources are
 * found by the physical names of the synthesized stack (`names`), so other
 * environments in the same emulator account do not disturb the checks.
 */
export async function checkDeployment(
  clients: AwsClients,
  env: EnvConfig,
  names: StackNames,
): Promise<Checks> {
  const c = new Checks();
  const { ec2, rds, secrets, lambda, api, iam } = clients;
  const region = env.region;
  const plan = planNetwork({
    vpcCidr: env.network.vpcCidr,
    publicSubnets: env.network.publicSubnets,
    isolatedSubnets: env.network.isolatedSubnets,
  });
  const secretsOf = secretNames(env);
  // database.access "data-api": no function in the VPC, no interface endpoints, Data API variables
  const dataApi = env.database.access === "data-api";
  const vpcName = names.vpcTags.Name ?? env.project;
  const vpcFilters = [
    { Name: "cidr", Values: [plan.vpcCidr] },
    { Name: "tag:Name", Values: [vpcName] },
    ...(names.vpcTags.Environment ? [{ Name: "tag:Environment", Values: [names.vpcTags.Environment] }] : []),
  ];

  // --- network
  let vpcId = "";
  const subnetIdsByTier: Record<"public" | "isolated", string[]> = { public: [], isolated: [] };
  await c.guard("vpc", async () => {
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: vpcFilters }));
    if (!c.eq("vpc: one VPC with the CIDR, Name and Environment tags", vpcs.Vpcs?.length, 1)) return;
    const vpc = vpcs.Vpcs![0];
    vpcId = vpc.VpcId!;
    c.eq("vpc cidr", vpc.CidrBlock, plan.vpcCidr);
    c.eq(
      "vpc tags",
      [tagValue(vpc.Tags, "Project"), tagValue(vpc.Tags, "Environment")],
      [env.tags.Project, env.tags.Environment],
    );
    for (const attribute of ["enableDnsSupport", "enableDnsHostnames"] as const) {
      const a = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: attribute }));
      const value =
        attribute === "enableDnsSupport" ? a.EnableDnsSupport?.Value : a.EnableDnsHostnames?.Value;
      c.eq(`vpc ${attribute}`, value, true);
    }
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }),
    );
    const actual = sorted((subnets.Subnets ?? []).map((s) => `${s.CidrBlock} ${s.AvailabilityZone}`));
    c.eq("subnets (cidr, az)", actual, sorted(plan.subnets.map((s) => `${s.cidr} ${s.az}`)));
    for (const s of subnets.Subnets ?? []) {
      const planned = plan.subnets.find((p) => p.cidr === s.CidrBlock);
      if (!planned) continue;
      subnetIdsByTier[planned.tier].push(s.SubnetId!);
      if (planned.tier === "public") {
        c.eq(
          `subnet ${s.CidrBlock} mapPublicIpOnLaunch`,
          s.MapPublicIpOnLaunch,
          env.network.mapPublicIpOnLaunch,
        );
      }
    }
  });

  // --- security groups
  const sgIds: Record<"app" | "database" | "endpoint", string> = { app: "", database: "", endpoint: "" };
  await c.guard("security groups", async () => {
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }),
    );
    const byName = new Map((groups.SecurityGroups ?? []).map((g) => [g.GroupName ?? "", g] as const));
    const find = (role: keyof typeof sgIds): SecurityGroup | undefined => {
      const name = names.securityGroups[role] ?? `${env.project}-${role}-sg`;
      const g = byName.get(name);
      c.that(`security group ${name} exists`, !!g, g?.GroupId ?? "missing");
      if (g) sgIds[role] = g.GroupId!;
      return g;
    };
    const app = find("app");
    const db = find("database");
    const endpoint = find("endpoint");
    const label = new Map(Object.entries(sgIds).map(([role, id]) => [id, `sg:${role}`] as const));
    if (endpoint) {
      c.eq("endpoint group ingress", permissions(endpoint.IpPermissions, label), [
        'tcp:443-443 sg:app "HTTPS from the application group"',
      ]);
    }
    if (db) {
      c.eq(
        "database group ingress",
        permissions(db.IpPermissions, label),
        sorted([
          'tcp:5432-5432 sg:app "Database connections from the application group"',
          ...env.security.developerCidrs.map(
            (cidr) => `tcp:5432-5432 ${cidr} "Developer access from ${cidr} (development only)"`,
          ),
        ]),
      );
    }
    if (app) {
      c.eq(
        "app group egress",
        permissions(app.IpPermissionsEgress, label),
        sorted([
          'tcp:443-443 sg:endpoint "HTTPS to the interface VPC endpoints"',
          'tcp:5432-5432 sg:database "Database connections to the database group"',
        ]),
      );
    }
    const defaults = (groups.SecurityGroups ?? []).filter((g) => g.GroupName === "default");
    c.eq(
      "default security group has no rules",
      defaults.map((g) => (g.IpPermissions?.length ?? 0) + (g.IpPermissionsEgress?.length ?? 0)),
      [0],
    );
  });

  // --- interface endpoints
  await c.guard("vpc endpoints", async () => {
    const eps = await ec2.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }),
    );
    const list = eps.VpcEndpoints ?? [];
    c.eq(
      "vpc endpoint services",
      sorted(list.map((e) => e.ServiceName)),
      dataApi ? [] : sorted(env.endpoints.services.map((s) => endpointServiceName(region, s))),
    );
    const tierSubnets = sorted(subnetIdsByTier[env.endpoints.subnetTier]);
    for (const e of list) {
      c.eq(
        `vpc endpoint ${e.ServiceName} type and private DNS`,
        [e.VpcEndpointType, e.PrivateDnsEnabled],
        ["Interface", true],
      );
      c.eq(`vpc endpoint ${e.ServiceName} subnets`, sorted(e.SubnetIds ?? []), tierSubnets);
      c.eq(
        `vpc endpoint ${e.ServiceName} security groups`,
        (e.Groups ?? []).map((g) => g.GroupId),
        [sgIds.endpoint],
      );
    }
  });

  // --- database
  let clusterEndpoint = "";
  let clusterArn = "";
  await c.guard("database", async () => {
    const clusters = await rds.send(
      new DescribeDBClustersCommand(
        names.clusterIdentifier ? { DBClusterIdentifier: names.clusterIdentifier } : {},
      ),
    );
    if (!c.eq("database: one Aurora cluster", clusters.DBClusters?.length, 1)) return;
    const cl = clusters.DBClusters![0];
    clusterEndpoint = cl.Endpoint ?? "";
    clusterArn = cl.DBClusterArn ?? "";
    const d = env.database;
    c.eq(
      "cluster engine, version, mode",
      [cl.Engine, cl.EngineVersion, cl.EngineMode],
      ["aurora-postgresql", d.engineVersion, "provisioned"],
    );
    c.eq(
      "cluster serverless v2 scaling",
      [cl.ServerlessV2ScalingConfiguration?.MinCapacity, cl.ServerlessV2ScalingConfiguration?.MaxCapacity],
      [d.minCapacity, d.maxCapacity],
    );
    c.eq(
      "cluster database, user, port",
      [cl.DatabaseName, cl.MasterUsername, cl.Port],
      [d.databaseName ?? DEFAULT_DATABASE_NAME, d.masterUsername, 5432],
    );
    c.eq(
      "cluster deletion protection, backups, encryption",
      [cl.DeletionProtection, cl.BackupRetentionPeriod, cl.StorageEncrypted],
      [d.deletionProtection, d.backupRetentionDays, true],
    );
    c.eq(
      "cluster security groups",
      (cl.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId),
      [sgIds.database],
    );
    c.eq("cluster members", cl.DBClusterMembers?.length, d.instanceCount);
    const instances = await rds.send(new DescribeDBInstancesCommand({}));
    const mine = (instances.DBInstances ?? []).filter(
      (i) => i.DBClusterIdentifier === cl.DBClusterIdentifier,
    );
    c.eq("database instances", mine.length, d.instanceCount);
    for (const i of mine) {
      c.eq(
        `instance ${i.DBInstanceIdentifier} class, public access`,
        [i.DBInstanceClass, i.PubliclyAccessible],
        ["db.serverless", d.publiclyAccessible],
      );
    }
    c.eq(
      "DB subnet group subnets",
      sorted((mine[0]?.DBSubnetGroup?.Subnets ?? []).map((s) => s.SubnetIdentifier)),
      sorted(subnetIdsByTier[d.subnetTier]),
    );
  });

  // --- the master user's secret, created and managed by RDS (manage_master_user_password)
  await c.guard("master user secret", async () => {
    const clusters = await rds.send(
      new DescribeDBClustersCommand(
        names.clusterIdentifier ? { DBClusterIdentifier: names.clusterIdentifier } : {},
      ),
    );
    const arn = clusters.DBClusters?.[0]?.MasterUserSecret?.SecretArn;
    if (!c.that("cluster master user secret managed by RDS", !!arn, arn ?? "no MasterUserSecret")) return;
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    const parsed = JSON.parse(value.SecretString ?? "{}") as Record<string, unknown>;
    c.eq("master user secret keys", sorted(Object.keys(parsed)), ["password", "username"]);
    if (typeof parsed.password === "string" && parsed.password) c.secretValues.push(parsed.password);
  });

  // --- secrets (values parsed, never printed): written by the bootstrap function, not by Terraform
  const secretArns: string[] = [];
  await c.guard("secrets", async () => {
    const expectKeys: Record<string, string[]> = {
      [secretsOf.database]: ["database", "host", "password", "port", "username"],
      [secretsOf.app]: ["algorithm", "secret_key"],
    };
    for (const [name, keys] of Object.entries(expectKeys)) {
      const described = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
      secretArns.push(described.ARN!);
      c.that(`secret ${name} exists`, !!described.ARN && !described.DeletedDate, described.ARN ?? "missing");
      const value = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(value.SecretString ?? "") as Record<string, unknown>;
      } catch {
        c.that(`secret ${name} is JSON`, false, "not JSON (value not shown)");
        continue;
      }
      c.eq(`secret ${name} keys`, sorted(Object.keys(parsed)), keys);
      for (const key of ["password", "secret_key"])
        if (typeof parsed[key] === "string" && parsed[key]) c.secretValues.push(parsed[key]);
      const empty = Object.entries(parsed)
        .filter(([, v]) => v === "" || v === null || v === undefined)
        .map(([k]) => k);
      c.eq(`secret ${name} has no empty value`, empty, []);
      if (name === secretsOf.database) {
        // the application role the bootstrap function creates, never the master user
        const database = env.database.databaseName ?? DEFAULT_DATABASE_NAME;
        c.eq(
          `secret ${name} connection details (the application role)`,
          [parsed.host, parsed.port, parsed.database, parsed.username],
          [clusterEndpoint, 5432, database, names.appRoleName ?? defaultAppRoleName(database)],
        );
        c.that(
          `secret ${name} username is not the master user`,
          parsed.username !== env.database.masterUsername,
          String(parsed.username),
        );
        c.that(
          `secret ${name} password`,
          typeof parsed.password === "string" && parsed.password.length >= 16,
          `a string of ${typeof parsed.password === "string" ? parsed.password.length : 0} characters (value not shown)`,
        );
      } else {
        c.eq(`secret ${name} algorithm`, parsed.algorithm, "HS256");
        c.that(
          `secret ${name} secret_key`,
          typeof parsed.secret_key === "string" && parsed.secret_key.length >= 32,
          `a string of ${typeof parsed.secret_key === "string" ? parsed.secret_key.length : 0} characters (value not shown)`,
        );
      }
    }
  });

  // --- scheduled rotation of the database secret (secretRotation)
  await c.guard("secret rotation", async () => {
    const d = await secrets.send(new DescribeSecretCommand({ SecretId: secretsOf.database }));
    const rotation = env.secretRotation;
    c.eq(
      `secret ${secretsOf.database} rotation (enabled, function, days)`,
      [
        d.RotationEnabled ?? false,
        d.RotationLambdaARN ? d.RotationLambdaARN.split(":function:").pop() : undefined,
        d.RotationRules?.AutomaticallyAfterDays,
      ],
      rotation.enabled
        ? [true, names.rotationFunction, rotation.automaticallyAfterDays]
        : [false, undefined, undefined],
    );
  });

  // --- function
  await c.guard("function", async () => {
    const fn = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: env.compute.functionName }),
    );
    const x = env.compute;
    c.eq("function memory, timeout", [fn.MemorySize, fn.Timeout], [x.memoryMb, x.timeoutSeconds]);
    c.eq(
      "function subnets",
      sorted(fn.VpcConfig?.SubnetIds ?? []),
      dataApi ? [] : sorted(subnetIdsByTier[x.subnetTier]),
    );
    c.eq("function security groups", fn.VpcConfig?.SecurityGroupIds ?? [], dataApi ? [] : [sgIds.app]);
    const vars = fn.Environment?.Variables ?? {};
    c.eq(
      "function environment",
      Object.fromEntries(Object.entries(vars).sort(([a], [b]) => a.localeCompare(b))),
      Object.fromEntries(
        Object.entries({
          ENABLE_RAG: String(x.enableRag),
          LLM_MODEL_ID: x.llmModelId,
          EMBEDDING_MODEL_ID: x.embeddingModelId,
          ...x.environment,
          DB_SECRET_NAME: secretsOf.database,
          APP_SECRET_NAME: secretsOf.app,
          ...(dataApi
            ? {
                DB_CLUSTER_ARN: clusterArn,
                DB_NAME: env.database.databaseName ?? DEFAULT_DATABASE_NAME,
                DB_SECRET_ARN: secretArns[0],
              }
            : {}),
        }).sort(([a], [b]) => a.localeCompare(b)),
      ),
    );
    // the role may read both secrets (failure 6 of the manual deployment)
    const roleName = fn.Role?.split("/").pop() ?? "";
    const policyNames =
      (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
    const readable = new Set<string>();
    for (const policyName of policyNames) {
      const p = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
      const doc = JSON.parse(decodeURIComponent(p.PolicyDocument ?? "{}")) as {
        Statement?: Array<{ Effect?: string; Action?: string | string[]; Resource?: string | string[] }>;
      };
      for (const s of doc.Statement ?? []) {
        const actions = ([] as string[]).concat(s.Action ?? []);
        if (s.Effect === "Allow" && actions.includes("secretsmanager:GetSecretValue"))
          for (const r of ([] as string[]).concat(s.Resource ?? [])) readable.add(r);
      }
    }
    c.eq(
      `function role ${roleName} may read both secrets`,
      secretArns.filter((arn) => readable.has(arn)).length,
      secretArns.length,
    );
    const all = await lambda.send(new ListFunctionsCommand({}));
    const mine = new Set(names.functions);
    c.eq(
      "functions",
      sorted((all.Functions ?? []).map((f) => f.FunctionName ?? "").filter((n) => mine.has(n))),
      sorted([
        x.functionName,
        names.bootstrapFunction ?? `${env.project}-db-bootstrap`,
        ...(names.rotationFunction ? [names.rotationFunction] : []),
      ]),
    );
  });

  // --- HTTP API
  await c.guard("http api", async () => {
    const apis = await api.send(new GetApisCommand({}));
    const items = (apis.Items ?? []).filter((x) => !names.apiName || x.Name === names.apiName);
    if (!c.eq("http api: one API", items.length, 1)) return;
    const a = items[0];
    c.eq("api protocol", a.ProtocolType, "HTTP");
    const routes = await api.send(new GetRoutesCommand({ ApiId: a.ApiId }));
    c.eq("api routes", sorted((routes.Items ?? []).map((r) => r.RouteKey)), ["$default", "GET /health"]);
    const integrations = await api.send(new GetIntegrationsCommand({ ApiId: a.ApiId }));
    const integration = integrations.Items?.[0];
    c.eq(
      "api integration",
      [integrations.Items?.length, integration?.IntegrationType, integration?.PayloadFormatVersion],
      [1, "AWS_PROXY", "2.0"],
    );
    c.that(
      "api integration targets the function",
      (integration?.IntegrationUri ?? "").includes(`:function:${env.compute.functionName}`),
      integration?.IntegrationUri ?? "missing",
    );
    const targets = new Set((routes.Items ?? []).map((r) => r.Target));
    c.eq("api routes target the integration", [...targets], [`integrations/${integration?.IntegrationId}`]);
    const stages = await api.send(new GetStagesCommand({ ApiId: a.ApiId }));
    const stage = stages.Items?.find((s) => s.StageName === "$default");
    c.eq(
      "api $default stage: auto deploy, throttling",
      [
        stage?.AutoDeploy,
        stage?.DefaultRouteSettings?.ThrottlingBurstLimit,
        stage?.DefaultRouteSettings?.ThrottlingRateLimit,
      ],
      [true, env.api.burstLimit, env.api.rateLimit],
    );
    c.that(
      "api stage access logs go to a log group",
      (stage?.AccessLogSettings?.DestinationArn ?? "").includes(":log-group:/aws/apigateway/"),
      stage?.AccessLogSettings?.DestinationArn ?? "missing",
    );
  });

  // --- log groups: one per function, the API's access logs, the database's exports; each with its retention
  await c.guard("log groups", async () => {
    const ownGroups = new Set(names.logGroups);
    const groups = (await logGroups(clients)).filter((g) => ownGroups.has(g.logGroupName));
    const expected: ReadonlyArray<readonly [string, number | undefined]> = [
      [`/aws/lambda/${env.compute.functionName}`, env.compute.logRetentionDays],
      [
        `/aws/lambda/${names.bootstrapFunction ?? `${env.project}-db-bootstrap`}`,
        env.compute.logRetentionDays,
      ],
      ["/aws/apigateway/", env.api.logRetentionDays],
      ["/aws/rds/cluster/", env.database.logRetentionDays],
    ];
    for (const [prefix, days] of expected) {
      const found = groups.filter((g) => g.logGroupName.startsWith(prefix));
      c.eq(
        `log group ${prefix}${prefix.endsWith("/") ? "*" : ""} retention`,
        found.map((g) => g.retentionInDays),
        [days],
      );
    }
  });

  return c;
}

/**
 * Nothing of the environment is left (found by the physical names of its
 * synthesized stack); its secrets are scheduled for deletion after their
 * recovery window.
 */
export async function checkDestroyed(
  clients: AwsClients,
  env: EnvConfig,
  names: StackNames,
  opts: { readonly destroyedAt: Date },
): Promise<Checks> {
  const c = new Checks();
  const { ec2, rds, secrets, lambda, api, iam } = clients;
  await c.guard("destroyed: network", async () => {
    const filters = Object.entries(names.vpcTags)
      .filter(([k]) => k === "Name" || k === "Environment")
      .map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] }));
    const tagged = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "cidr", Values: [env.network.vpcCidr] }, ...filters] }),
    );
    c.eq(
      `no VPC ${env.network.vpcCidr} tagged ${filters.map((f) => f.Values[0]).join("/")}`,
      tagged.Vpcs?.length ?? 0,
      0,
    );
  });
  await c.guard("destroyed: database", async () => {
    const clusters = await rds.send(new DescribeDBClustersCommand({}));
    c.eq(
      `no DB cluster ${names.clusterIdentifier}`,
      (clusters.DBClusters ?? [])
        .map((x) => x.DBClusterIdentifier)
        .filter((id) => id === names.clusterIdentifier),
      [],
    );
    const instances = await rds.send(new DescribeDBInstancesCommand({}));
    const own = new Set(names.instanceIdentifiers);
    c.eq(
      "no DB instance of the stack",
      (instances.DBInstances ?? []).map((x) => x.DBInstanceIdentifier ?? "").filter((id) => own.has(id)),
      [],
    );
  });
  await c.guard("destroyed: functions, API, roles, log groups", async () => {
    const fns = new Set(names.functions);
    c.eq(
      "no function of the stack",
      ((await lambda.send(new ListFunctionsCommand({}))).Functions ?? [])
        .map((f) => f.FunctionName ?? "")
        .filter((n) => fns.has(n)),
      [],
    );
    c.eq(
      `no HTTP API ${names.apiName}`,
      ((await api.send(new GetApisCommand({}))).Items ?? [])
        .map((a) => a.Name)
        .filter((n) => n === names.apiName),
      [],
    );
    const roles = new Set(names.roles);
    c.eq(
      "no IAM role of the stack",
      ((await iam.send(new ListRolesCommand({}))).Roles ?? [])
        .map((r) => r.RoleName ?? "")
        .filter((n) => roles.has(n)),
      [],
    );
    const groups = new Set(names.logGroups);
    c.eq(
      "no log group of the stack",
      (await logGroups(clients)).map((g) => g.logGroupName).filter((n) => groups.has(n)),
      [],
    );
  });
  await c.guard("destroyed: secrets", async () => {
    const own = secretNames(env);
    const window = env.secrets.recoveryWindowDays;
    for (const name of [own.database, own.app]) {
      let d: DescribeSecretCommandOutput | undefined;
      try {
        d = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
      } catch (e) {
        if ((e as { name?: string }).name !== "ResourceNotFoundException") throw e;
      }
      if (window === 0) {
        c.that(`secret ${name} deleted at once (recovery window 0)`, !d, d ? "still exists" : "gone");
        continue;
      }
      // moto reports DeletedDate as the end of the recovery window
      const days = d?.DeletedDate ? (d.DeletedDate.getTime() - opts.destroyedAt.getTime()) / 86_400_000 : NaN;
      c.that(
        `secret ${name} scheduled for deletion after ${window} days`,
        Math.abs(days - window) < 0.05,
        d?.DeletedDate
          ? `DeletedDate ${d.DeletedDate.toISOString()} (${days.toFixed(2)} days after destroy)`
          : "no DeletedDate",
      );
    }
    const mine = new Set([own.database, own.app]);
    c.eq(
      "no secret of the stack listed (scheduled ones are hidden)",
      ((await secrets.send(new ListSecretsCommand({}))).SecretList ?? [])
        .map((s) => s.Name ?? "")
        .filter((n) => mine.has(n)),
      [],
    );
  });
  return c;
}

/**
 * Nothing is left in the emulator account once every environment deployed
 * into it is destroyed: no VPC but the default one, no security group but
 * default ones, no endpoint that is not `deleted`, no DB cluster or instance,
 * function, HTTP API, role of the project, log group or listed secret, and no
 * bucket but the state bucket (when the account holds it).
 */
export async function checkAccountEmpty(
  clients: AwsClients,
  opts: { readonly project: string; readonly buckets: readonly string[] },
): Promise<Checks> {
  const c = new Checks();
  const { ec2, rds, secrets, lambda, api, iam, s3 } = clients;
  await c.guard("account empty: network", async () => {
    const vpcs = await ec2.send(new DescribeVpcsCommand({}));
    c.eq(
      "no VPC but the emulator's default",
      (vpcs.Vpcs ?? []).filter((v) => !v.IsDefault).map((v) => `${v.VpcId} ${v.CidrBlock}`),
      [],
    );
    const sgs = await ec2.send(new DescribeSecurityGroupsCommand({}));
    c.eq(
      "no security group but default ones",
      (sgs.SecurityGroups ?? []).filter((g) => g.GroupName !== "default").map((g) => g.GroupName),
      [],
    );
    // like AWS, the emulator lists deleted endpoints for a while, in state "deleted"
    const eps = await ec2.send(new DescribeVpcEndpointsCommand({}));
    c.eq(
      "no VPC endpoint but deleted ones",
      (eps.VpcEndpoints ?? [])
        .filter((e) => e.State?.toLowerCase() !== "deleted")
        .map((e) => `${e.ServiceName} ${e.State}`),
      [],
    );
  });
  await c.guard("account empty: database, functions, API, roles, logs, secrets, buckets", async () => {
    c.eq(
      "no DB cluster",
      ((await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map(
        (x) => x.DBClusterIdentifier,
      ),
      [],
    );
    c.eq(
      "no DB instance",
      ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map(
        (x) => x.DBInstanceIdentifier,
      ),
      [],
    );
    c.eq(
      "no function",
      ((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName),
      [],
    );
    c.eq(
      "no HTTP API",
      ((await api.send(new GetApisCommand({}))).Items ?? []).map((a) => a.Name),
      [],
    );
    c.eq(
      `no IAM role of ${opts.project}`,
      ((await iam.send(new ListRolesCommand({}))).Roles ?? [])
        .map((r) => r.RoleName)
        .filter((n) => n?.startsWith(opts.project)),
      [],
    );
    c.eq(
      "no log group",
      (await logGroups(clients)).map((g) => g.logGroupName),
      [],
    );
    c.eq(
      "no secret listed (scheduled ones are hidden)",
      ((await secrets.send(new ListSecretsCommand({}))).SecretList ?? []).map((s) => s.Name),
      [],
    );
    c.eq(
      opts.buckets.length ? "only the state bucket is left" : "no bucket",
      ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name),
      [...opts.buckets],
    );
  });
  return c;
}

/** Identity of the current state object: what a lock must not change. */
export interface StateObject {
  readonly etag: string;
  readonly versionId: string;
  readonly size: number;
  readonly encryption: string;
}

/** Head of the state object. */
export async function stateObject(clients: AwsClients, bucket: string, key: string): Promise<StateObject> {
  const h = await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return {
    etag: h.ETag ?? "",
    versionId: h.VersionId ?? "",
    size: h.ContentLength ?? 0,
    encryption: h.ServerSideEncryption ?? "none",
  };
}

/** Whether an object exists. */
export async function objectExists(clients: AwsClients, bucket: string, key: string): Promise<boolean> {
  try {
    await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if ((e as { name?: string }).name === "NotFound" || (e as { name?: string }).name === "NoSuchKey")
      return false;
    throw e;
  }
}

/** Versions and delete markers of exactly `key`. */
export async function objectVersions(
  clients: AwsClients,
  bucket: string,
  key: string,
): Promise<{ versions: Array<{ versionId: string; size: number; latest: boolean }>; deleteMarkers: number }> {
  const out = await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return {
    versions: (out.Versions ?? [])
      .filter((v) => v.Key === key)
      .map((v) => ({ versionId: v.VersionId ?? "", size: v.Size ?? 0, latest: !!v.IsLatest })),
    deleteMarkers: (out.DeleteMarkers ?? []).filter((m) => m.Key === key).length,
  };
}
