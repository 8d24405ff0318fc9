/**
 * Interface VPC endpoints, so a Lambda function in a VPC without a NAT
 * gateway can reach AWS services (by default Secrets Manager and the Bedrock
 * runtime). Private DNS is always on: the function's SDK resolves the public
 * service names to the endpoints' private addresses without any change.
 */
import { Construct } from "constructs";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { BaseProps, fail, validateName, withName } from "../core";
import { type PolicyDocument, policyDocument } from "../core/iam";
import { regionProblem } from "../core/regions";
import { didYouMean } from "../core/suggest";

/** Services an application of this project needs: its secrets and the Bedrock runtime. */
export const DEFAULT_ENDPOINT_SERVICES: readonly string[] = ["secretsmanager", "bedrock-runtime"];

/**
 * Where the endpoint network interfaces go:
 * - `all-azs`: one per subnet given (one per availability zone), so a function
 *   in any zone reaches the services even when another zone is down;
 * - `single-az`: only in the first subnet, which bills one endpoint-AZ-hour
 *   per service instead of one per zone. Traffic from the other zones crosses
 *   zones, and an outage of that one zone cuts every function in the VPC off
 *   from the services (Secrets Manager, Bedrock): development only.
 */
export type EndpointPlacement = "all-azs" | "single-az";

/** Every {@link EndpointPlacement}. */
export const ENDPOINT_PLACEMENTS: readonly EndpointPlacement[] = ["all-azs", "single-az"];

/** Properties of {@link InterfaceEndpoints}. */
export interface InterfaceEndpointsProps extends BaseProps {
  /** VPC of the endpoints (e.g. `network.vpcId`). Its DNS support and DNS hostnames must be on (`Network` always does). */
  readonly vpcId: string;
  /** Region of the VPC, e.g. `ap-northeast-1`; forms the service names `com.amazonaws.<region>.<service>`. */
  readonly region: string;
  /**
   * Subnets for the endpoint network interfaces, at most one per
   * availability zone (e.g. `network.publicSubnetIds`). Each subnet is billed
   * per endpoint per hour.
   */
  readonly subnetIds: ReadonlyArray<string>;
  /** Security groups of the endpoint network interfaces (e.g. `[security.endpointSecurityGroupId]`). */
  readonly securityGroupIds: ReadonlyArray<string>;
  /**
   * Service short names, e.g. `secretsmanager`, `bedrock-runtime`, `ecr.api`.
   * @default ["secretsmanager", "bedrock-runtime"]
   */
  readonly services?: ReadonlyArray<string>;
  /**
   * Where the endpoint network interfaces go (see {@link EndpointPlacement}):
   * `single-az` keeps only the first of `subnetIds`.
   * @default "all-azs"
   */
  readonly placement?: EndpointPlacement;
  /**
   * Endpoint policy per service (an IAM policy document object, written as
   * JSON; its strings may be Terraform references such as a secret ARN).
   * A service without one keeps the AWS default policy (full access).
   * Every key must be one of `services`.
   * @default {}
   */
  readonly policies?: Readonly<Record<string, PolicyDocument>>;
}

const SERVICE_RE = /^[a-z0-9]+([.-][a-z0-9]+)*$/;

/**
 * One interface VPC endpoint per service, with private DNS, in the given
 * subnets and security groups.
 *
 * @example
 * const endpoints = new InterfaceEndpoints(this, "endpoints", {
 *   name: "hr-chatbot",
 *   region: "ap-northeast-1",
 *   vpcId: network.vpcId,
 *   subnetIds: network.publicSubnetIds,
 *   securityGroupIds: [security.endpointSecurityGroupId],
 * });
 */
export class InterfaceEndpoints extends Construct {
  /** Service short names, in the order given. */
  public readonly services: readonly string[];
  /** Endpoint id per service short name. */
  public readonly endpointIds: Readonly<Record<string, string>>;
  /** Endpoint resource per service short name, for `dependsOn` (e.g. a function that calls the service at deploy time). */
  public readonly endpoints: Readonly<Record<string, VpcEndpoint>>;
  /** Full service name per short name, e.g. `secretsmanager` -> `com.amazonaws.ap-northeast-1.secretsmanager`. */
  public readonly serviceNames: Readonly<Record<string, string>>;
  /**
   * Endpoint network interfaces AWS bills per hour: services x subnets
   * (2 services in 2 availability zones = 4 endpoint-AZ-hours per hour).
   */
  public readonly billableEndpointAzs: number;
  /** Subnets the endpoint network interfaces are in (the first one only with `single-az`). */
  public readonly subnetIds: readonly string[];
  /** Where the endpoint network interfaces go. */
  public readonly placement: EndpointPlacement;

  constructor(scope: Construct, id: string, props: InterfaceEndpointsProps) {
    super(scope, id);
    const name = validateName("name", props.name);
    const tags = props.tags ?? {};
    const services = [...(props.services ?? DEFAULT_ENDPOINT_SERVICES)];
    const policies = props.policies ?? {};

    if (typeof props.vpcId !== "string" || props.vpcId.length === 0) {
      fail("vpcId", props.vpcId, "must be a VPC id (e.g. network.vpcId)");
    }
    const regionRule = regionProblem(props.region);
    if (regionRule) fail("region", props.region, regionRule);
    const placement = props.placement ?? "all-azs";
    if (!ENDPOINT_PLACEMENTS.includes(placement)) {
      fail("placement", placement, `must be one of ${ENDPOINT_PLACEMENTS.join(", ")}`);
    }
    const allSubnetIds = this.nonEmptyUnique("subnetIds", props.subnetIds, "subnet");
    const subnetIds = placement === "single-az" ? allSubnetIds.slice(0, 1) : allSubnetIds;
    const securityGroupIds = this.nonEmptyUnique(
      "securityGroupIds",
      props.securityGroupIds,
      "security group",
    );

    if (services.length === 0) {
      fail("services", services, "must name at least one service");
    }
    services.forEach((service, i) => {
      if (typeof service !== "string" || !SERVICE_RE.test(service)) {
        fail(
          `services[${i}]`,
          service,
          "must be a service short name such as secretsmanager or bedrock-runtime (lower-case, digits, . and -)",
        );
      }
      if (service.startsWith("com.amazonaws.") || service.startsWith("aws.")) {
        fail(`services[${i}]`, service, "is a full service name; give the short name (e.g. secretsmanager)");
      }
      const first = services.indexOf(service);
      if (first !== i) fail(`services[${i}]`, service, `duplicates services[${first}]`);
    });
    for (const [service, policy] of Object.entries(policies)) {
      if (!services.includes(service)) {
        fail(`policies.${service}`, service, `is not one of services (${services.join(", ")})`);
      }
      if (
        typeof policy !== "object" ||
        policy === null ||
        Array.isArray(policy) ||
        !Array.isArray((policy as { Statement?: unknown }).Statement)
      ) {
        fail(`policies.${service}`, policy, "must be an IAM policy document object");
      }
    }

    const endpointIds: Record<string, string> = {};
    const endpoints: Record<string, VpcEndpoint> = {};
    const serviceNames: Record<string, string> = {};
    for (const service of services) {
      const serviceName = `com.amazonaws.${props.region}.${service}`;
      const policy = policies[service];
      const endpoint = new VpcEndpoint(this, `endpoint-${service.replace(/\./g, "-")}`, {
        vpcId: props.vpcId,
        serviceName,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds,
        securityGroupIds,
        ...(policy !== undefined ? { policy: policyDocument(...policy.Statement) } : {}),
        tags: withName(tags, `${name}-${service}`),
      });
      endpointIds[service] = endpoint.id;
      endpoints[service] = endpoint;
      serviceNames[service] = serviceName;
    }

    this.services = services;
    this.endpointIds = endpointIds;
    this.endpoints = endpoints;
    this.serviceNames = serviceNames;
    this.billableEndpointAzs = services.length * subnetIds.length;
    this.subnetIds = subnetIds;
    this.placement = placement;
  }

  /** True when this construct created an endpoint for the service short name (e.g. `secretsmanager`). */
  public hasEndpointFor(service: string): boolean {
    return this.services.includes(service);
  }

  private nonEmptyUnique(field: string, values: ReadonlyArray<string> | undefined, what: string): string[] {
    if (!Array.isArray(values) || values.length === 0) {
      fail(field, values, `must list at least one ${what} id`);
    }
    values.forEach((v, i) => {
      if (typeof v !== "string" || v.length === 0) fail(`${field}[${i}]`, v, `must be a ${what} id`);
      const first = values.indexOf(v);
      if (first !== i) fail(`${field}[${i}]`, v, `duplicates ${field}[${first}]`);
    });
    return [...values];
  }
}

// ---------------------------------------------------------------------------
// Validators the environment schema composes (one owner per rule).

/**
 * Short names of AWS services that offer interface VPC endpoints
 * (`com.amazonaws.<region>.<name>`), the ones an application of this kind may
 * call. Availability differs per region; a name missing here fails at synth
 * rather than at apply.
 * @see https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html (checked 2026-11-30)
 */
export const INTERFACE_ENDPOINT_SERVICES: readonly string[] = [
  "access-analyzer",
  "acm-pca",
  "airflow.api",
  "airflow.env",
  "apigateway",
  "app-integrations",
  "appconfig",
  "appconfigdata",
  "application-autoscaling",
  "appmesh-envoy-management",
  "apprunner",
  "appstream.api",
  "appsync-api",
  "athena",
  "auditmanager",
  "autoscaling",
  "autoscaling-plans",
  "backup",
  "batch",
  "bedrock",
  "bedrock-agent",
  "bedrock-agent-runtime",
  "bedrock-runtime",
  "billing",
  "cloudcontrolapi",
  "cloudformation",
  "cloudhsmv2",
  "cloudtrail",
  "codeartifact.api",
  "codeartifact.repositories",
  "codebuild",
  "codecommit",
  "codedeploy",
  "codedeploy-commands-secure",
  "codepipeline",
  "comprehend",
  "comprehendmedical",
  "config",
  "databrew",
  "dataexchange",
  "datasync",
  "dms",
  "ds",
  "dynamodb",
  "ebs",
  "ec2",
  "ec2messages",
  "ecr.api",
  "ecr.dkr",
  "ecs",
  "ecs-agent",
  "ecs-telemetry",
  "eks",
  "eks-auth",
  "elasticache",
  "elasticbeanstalk",
  "elasticfilesystem",
  "elasticloadbalancing",
  "elasticmapreduce",
  "email-smtp",
  "emr-containers",
  "emr-serverless",
  "es",
  "events",
  "execute-api",
  "firehose",
  "fis",
  "forecast",
  "frauddetector",
  "glue",
  "grafana",
  "guardduty-data",
  "healthlake",
  "iam",
  "imagebuilder",
  "inspector2",
  "iot.data",
  "kendra",
  "kinesis-firehose",
  "kinesis-streams",
  "kms",
  "kms-fips",
  "lakeformation",
  "lambda",
  "logs",
  "macie2",
  "monitoring",
  "notebook",
  "organizations",
  "pinpoint",
  "polly",
  "private-networks",
  "qldb.session",
  "rds",
  "rds-data",
  "redshift",
  "redshift-data",
  "rekognition",
  "s3",
  "sagemaker.api",
  "sagemaker.featurestore-runtime",
  "sagemaker.runtime",
  "scheduler",
  "secretsmanager",
  "securityhub",
  "servicecatalog",
  "servicediscovery",
  "ses",
  "sns",
  "sqs",
  "ssm",
  "ssm-contacts",
  "ssm-incidents",
  "ssmmessages",
  "states",
  "storagegateway",
  "sts",
  "sync-states",
  "synthetics",
  "textract",
  "transcribe",
  "transcribestreaming",
  "transfer",
  "transfer.server",
  "translate",
  "xray",
];

/**
 * The problem with an interface endpoint service short name, or `undefined`
 * when it is one of {@link INTERFACE_ENDPOINT_SERVICES}. A near miss names
 * the service it was probably meant to be.
 */
export function endpointServiceProblem(service: string): string | undefined {
  if (typeof service !== "string" || !SERVICE_RE.test(service)) {
    return "must be a service short name such as secretsmanager or bedrock-runtime (lower-case, digits, . and -)";
  }
  if (service.startsWith("com.amazonaws.") || service.startsWith("aws.")) {
    return "is a full service name; give the short name (e.g. secretsmanager)";
  }
  if (!INTERFACE_ENDPOINT_SERVICES.includes(service)) {
    return `is not an AWS service with interface VPC endpoints${didYouMean(service, INTERFACE_ENDPOINT_SERVICES)}`;
  }
  return undefined;
}

/**
 * The problem with an endpoint placement, or `undefined`: `single-az` is
 * refused in production, where an outage of that one zone would cut every
 * function in the VPC off from Secrets Manager and Bedrock.
 */
export function endpointPlacementProblem(
  placement: EndpointPlacement,
  production: boolean,
): string | undefined {
  if (placement === "single-az" && production) {
    return 'must be "all-azs" in a production environment: with "single-az" an outage of that one availability zone cuts every function in the VPC off from Secrets Manager and Bedrock';
  }
  return undefined;
}
