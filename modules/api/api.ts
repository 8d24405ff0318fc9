/**
 * HttpApi: an API Gateway HTTP API in front of one Lambda function.
 *
 * Every route goes to the same Lambda proxy integration (payload format 2.0),
 * on the `$default` stage with automatic deployment, default throttling and
 * JSON access logs in a log group this module owns. The function gets a
 * resource-based permission scoped to this API only.
 */
import { Construct } from "constructs";
import { Annotations } from "cdktf";
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { BaseProps, fail, validateIntRange, validateName, withName } from "../core";
import { validateLogRetention } from "../core/logs";

/**
 * The Lambda function behind the API. `VpcFunction` from the compute module
 * satisfies it structurally.
 */
export interface ApiHandler {
  /** Function name (used for the invoke permission). */
  readonly functionName: string;
  /** Invoke ARN (`arn:aws:apigateway:<region>:lambda:path/.../invocations`), alias-qualified when `qualifier` is set. */
  readonly invokeArn: string;
  /** The function's timeout in seconds; sets the integration timeout (capped at 30 s). */
  readonly timeoutSeconds: number;
  /**
   * Alias or version the API invokes, when `invokeArn` is qualified; the invoke
   * permission is then granted on that qualifier.
   * @default unqualified (the function's `$LATEST`)
   */
  readonly qualifier?: string;
}

/** Default throttling of the `$default` stage. */
export interface ApiThrottling {
  /**
   * Maximum concurrent request burst (0-5000).
   * @default 100
   */
  readonly burstLimit?: number;
  /**
   * Steady-state requests per second (0-10000).
   * @default 50
   */
  readonly rateLimit?: number;
}

/** Properties of {@link HttpApi}. */
export interface HttpApiProps extends BaseProps {
  /** The Lambda function that serves every route. */
  readonly handler: ApiHandler;
  /**
   * Route keys: `METHOD /path` (METHOD one of GET, POST, PUT, PATCH, DELETE,
   * HEAD, OPTIONS, ANY; path segments literal, `{param}` or a final `{proxy+}`)
   * or `$default` (catch-all).
   * @default ["GET /health", "$default"]
   */
  readonly routes?: string[];
  /**
   * Stage default throttling.
   * @default { burstLimit: 100, rateLimit: 50 }
   */
  readonly throttling?: ApiThrottling;
  /**
   * Retention of the access log group, in days (a CloudWatch Logs retention period).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Origins allowed by CORS (`https://app.example.com`, or `*`).
   * @default none (no CORS configuration)
   */
  readonly corsAllowOrigins?: string[];
  /**
   * API name.
   * @default `${name}-api`
   */
  readonly apiName?: string;
}

/** API Gateway's maximum integration timeout for HTTP APIs, in milliseconds. */
export const HTTP_API_MAX_INTEGRATION_TIMEOUT_MS = 30_000;

/** Fields of each access log line (JSON). */
export const ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = {
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  integrationError: "$context.integrationErrorMessage",
  integrationLatency: "$context.integrationLatency",
};

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];
const SEGMENT_RE = /^([A-Za-z0-9._~:@!$&'()*+,;=-]+|\{[A-Za-z_][A-Za-z0-9_]*\})$/;
const GREEDY_RE = /^\{[A-Za-z_][A-Za-z0-9_]*\+\}$/;
const API_NAME_RE = /^[A-Za-z0-9._-]{1,128}$/;
const ORIGIN_RE = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

/**
 * Check a route key; returns the rule it breaks, or undefined when valid.
 * Valid: `$default`, or `METHOD /path` as described on {@link HttpApiProps.routes}.
 */
export function routeKeyProblem(key: string): string | undefined {
  if (key === "$default") return undefined;
  const m = /^([A-Z]+) (\/.*)$/.exec(typeof key === "string" ? key : "");
  if (!m) return 'must be "$default" or "METHOD /path" (one space, path starting with /)';
  const [, method, routePath] = m;
  if (!METHODS.includes(method)) return `has method ${method}; use one of ${METHODS.join(", ")}`;
  if (routePath === "/") return undefined;
  const segments = routePath.slice(1).split("/");
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (GREEDY_RE.test(s)) {
      if (i !== segments.length - 1) return "may use a greedy {name+} segment only at the end of the path";
      continue;
    }
    if (s === "") return "has an empty path segment (double or trailing slash)";
    if (!SEGMENT_RE.test(s))
      return `has an invalid path segment "${s}" (literal characters, {param} or {proxy+})`;
  }
  return undefined;
}

/** An API Gateway HTTP API with one Lambda proxy integration, access logs and throttling. */
export class HttpApi extends Construct {
  /** The API id. */
  public readonly apiId: string;
  /** The API's default endpoint, `https://<apiId>.execute-api.<region>.amazonaws.com`. */
  public readonly apiEndpoint: string;
  /** Invoke URL of the `$default` stage (ends with `/`). */
  public readonly url: string;
  /** Execution ARN of the API (`arn:aws:execute-api:<region>:<account>:<apiId>`). */
  public readonly executionArn: string;
  /** Stage name: `$default`. */
  public readonly stageName: string;
  /** Access log group name, `/aws/apigateway/<apiName>`. */
  public readonly logGroupName: string;
  /** Access log group ARN. */
  public readonly logGroupArn: string;
  /** The route keys, in the order given. */
  public readonly routeKeys: readonly string[];
  /** Integration timeout in milliseconds: min(30000, handler timeout). */
  public readonly integrationTimeoutMs: number;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);

    // ---- defaults, then validation ----
    const name = validateName("name", props.name);
    const apiName = props.apiName ?? `${name}-api`;
    const routes = props.routes ?? ["GET /health", "$default"];
    const burstLimit = props.throttling?.burstLimit ?? 100;
    const rateLimit = props.throttling?.rateLimit ?? 50;
    const logRetentionDays = props.logRetentionDays ?? 30;
    const corsAllowOrigins = props.corsAllowOrigins;
    const handler = props.handler;

    if (!API_NAME_RE.test(apiName))
      fail("apiName", apiName, "must be 1-128 letters, digits, dots, hyphens or underscores");
    if (!handler) fail("handler", handler, "is required");
    validateIntRange("handler.timeoutSeconds", handler.timeoutSeconds, 1, 900);
    if (!Array.isArray(routes) || routes.length === 0)
      fail("routes", routes, "must list at least one route key");
    const seen = new Set<string>();
    routes.forEach((key, i) => {
      const problem = routeKeyProblem(key);
      if (problem) fail(`routes[${i}]`, key, problem);
      if (seen.has(key)) fail(`routes[${i}]`, key, "is listed twice");
      seen.add(key);
    });
    validateIntRange("throttling.burstLimit", burstLimit, 0, 5000);
    if (typeof rateLimit !== "number" || !Number.isFinite(rateLimit) || rateLimit < 0 || rateLimit > 10000) {
      fail("throttling.rateLimit", rateLimit, "must be a number from 0 to 10000 (requests per second)");
    }
    validateLogRetention("logRetentionDays", logRetentionDays);
    if (corsAllowOrigins !== undefined) {
      if (!Array.isArray(corsAllowOrigins) || corsAllowOrigins.length === 0) {
        fail("corsAllowOrigins", corsAllowOrigins, "must list at least one origin when set");
      }
      corsAllowOrigins.forEach((o, i) => {
        if (o !== "*" && !ORIGIN_RE.test(o)) {
          fail(
            `corsAllowOrigins[${i}]`,
            o,
            'must be "*" or scheme://host[:port] without a path or trailing slash',
          );
        }
      });
    }

    const integrationTimeoutMs = Math.min(HTTP_API_MAX_INTEGRATION_TIMEOUT_MS, handler.timeoutSeconds * 1000);
    if (handler.timeoutSeconds * 1000 > HTTP_API_MAX_INTEGRATION_TIMEOUT_MS) {
      Annotations.of(this).addWarning(
        `HttpApi ${apiName}: the handler's timeout is ${handler.timeoutSeconds} s but an HTTP API waits at most ` +
          `30 s for an integration. A request running longer gets 503 Service Unavailable while the function ` +
          `keeps running (and is billed) until its own timeout. Keep requests under 30 s, lower the function ` +
          `timeout to 30 s, or move long work to an asynchronous path.`,
      );
    }

    const tags = props.tags;

    // ---- resources ----
    const logGroup = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${apiName}`,
      retentionInDays: logRetentionDays,
      tags: withName(tags, `/aws/apigateway/${apiName}`),
    });

    const api = new Apigatewayv2Api(this, "api", {
      name: apiName,
      protocolType: "HTTP",
      description: `HTTP API ${apiName}`,
      corsConfiguration: corsAllowOrigins
        ? {
            allowOrigins: corsAllowOrigins,
            allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allowHeaders: ["authorization", "content-type"],
            maxAge: 3600,
          }
        : undefined,
      tags: withName(tags, apiName),
    });

    const integration = new Apigatewayv2Integration(this, "integration", {
      apiId: api.id,
      integrationType: "AWS_PROXY",
      integrationMethod: "POST",
      integrationUri: handler.invokeArn,
      payloadFormatVersion: "2.0",
      timeoutMilliseconds: integrationTimeoutMs,
    });

    for (const key of routes) {
      // The route key itself is the construct id: stable, and unique because keys are.
      new Apigatewayv2Route(this, `route ${key}`, {
        apiId: api.id,
        routeKey: key,
        target: `integrations/${integration.id}`,
      });
    }

    const stage = new Apigatewayv2Stage(this, "stage", {
      apiId: api.id,
      name: "$default",
      autoDeploy: true,
      defaultRouteSettings: {
        throttlingBurstLimit: burstLimit,
        throttlingRateLimit: rateLimit,
      },
      accessLogSettings: {
        destinationArn: logGroup.arn,
        format: JSON.stringify(ACCESS_LOG_FORMAT),
      },
      tags: withName(tags, `${apiName}-default`),
    });

    // Only this API (any stage, any route) may invoke the function.
    new LambdaPermission(this, "invoke-permission", {
      action: "lambda:InvokeFunction",
      functionName: handler.functionName,
      qualifier: handler.qualifier,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${api.executionArn}/*/*`,
    });

    this.apiId = api.id;
    this.apiEndpoint = api.apiEndpoint;
    this.url = stage.invokeUrl;
    this.executionArn = api.executionArn;
    this.stageName = "$default";
    this.logGroupName = logGroup.name;
    this.logGroupArn = logGroup.arn;
    this.routeKeys = [...routes];
    this.integrationTimeoutMs = integrationTimeoutMs;
  }
}
