import * as fs from "fs";
import * as path from "path";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { SynthJson, onlyResource, resourcesOf, synthJson, testStack } from "../core/testing";
import { VpcFunction } from "../compute";
import { ACCESS_LOG_FORMAT, ApiHandler, HttpApi, HttpApiProps, routeKeyProblem } from "./api";

const HANDLER: ApiHandler = {
  functionName: "hr-chatbot-backend",
  invokeArn:
    "arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/arn:aws:lambda:ap-northeast-1:123456789012:function:hr-chatbot-backend/invocations",
  timeoutSeconds: 30,
};

function build(props: Partial<HttpApiProps> = {}): { stack: TerraformStack; api: HttpApi; json: SynthJson } {
  const { stack } = testStack();
  const api = new HttpApi(stack, "api", { name: "hr-chatbot", handler: HANDLER, ...props });
  return { stack, api, json: synthJson(stack) };
}

function create(props: Partial<HttpApiProps>): () => HttpApi {
  return () => {
    const { stack } = testStack();
    return new HttpApi(stack, "api", { name: "hr-chatbot", handler: HANDLER, ...props });
  };
}

function logicalId(json: SynthJson, type: string): string {
  const ids = Object.keys(resourcesOf(json, type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** Warnings attached to a construct (what `cdktf synth` prints and writes to the manifest). */
function warnings(api: HttpApi): string[] {
  return api.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
}

describe("HttpApi defaults", () => {
  const { json, api, stack } = build();
  const apiId = logicalId(json, "aws_apigatewayv2_api");
  const integrationId = logicalId(json, "aws_apigatewayv2_integration");
  const logGroupId = logicalId(json, "aws_cloudwatch_log_group");

  it("creates an HTTP API named hr-chatbot-api without CORS", () => {
    expect(onlyResource(json, "aws_apigatewayv2_api")).toEqual({
      name: "hr-chatbot-api",
      protocol_type: "HTTP",
      description: "HTTP API hr-chatbot-api",
      tags: { Name: "hr-chatbot-api" },
    });
  });

  it("proxies to the Lambda with payload format 2.0", () => {
    expect(onlyResource(json, "aws_apigatewayv2_integration")).toEqual({
      api_id: `\${aws_apigatewayv2_api.${apiId}.id}`,
      integration_type: "AWS_PROXY",
      integration_method: "POST",
      integration_uri: HANDLER.invokeArn,
      payload_format_version: "2.0",
      timeout_milliseconds: 30000,
    });
    expect(api.integrationTimeoutMs).toBe(30000);
  });

  it("routes GET /health and $default to the integration", () => {
    const routes = Object.values(resourcesOf(json, "aws_apigatewayv2_route"));
    expect(routes.map((r) => r.route_key).sort()).toEqual(["$default", "GET /health"]);
    for (const r of routes) {
      expect(r.api_id).toBe(`\${aws_apigatewayv2_api.${apiId}.id}`);
      expect(r.target).toBe(`integrations/\${aws_apigatewayv2_integration.${integrationId}.id}`);
    }
    expect(api.routeKeys).toEqual(["GET /health", "$default"]);
  });

  it("deploys automatically to $default with throttling 100/50 and JSON access logs", () => {
    const stage = onlyResource(json, "aws_apigatewayv2_stage");
    expect(stage).toMatchObject({
      api_id: `\${aws_apigatewayv2_api.${apiId}.id}`,
      name: "$default",
      auto_deploy: true,
      default_route_settings: { throttling_burst_limit: 100, throttling_rate_limit: 50 },
      access_log_settings: { destination_arn: `\${aws_cloudwatch_log_group.${logGroupId}.arn}` },
    });
    const format = JSON.parse((stage.access_log_settings as { format: string }).format) as Record<
      string,
      string
    >;
    expect(Object.keys(format)).toEqual([
      "requestId",
      "ip",
      "requestTime",
      "httpMethod",
      "routeKey",
      "status",
      "protocol",
      "responseLength",
      "integrationError",
      "integrationLatency",
    ]);
    expect(format).toEqual(ACCESS_LOG_FORMAT);
    expect(format.requestId).toBe("$context.requestId");
    expect(format.ip).toBe("$context.identity.sourceIp");
  });

  it("keeps access logs 30 days in /aws/apigateway/hr-chatbot-api", () => {
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toEqual({
      name: "/aws/apigateway/hr-chatbot-api",
      retention_in_days: 30,
      tags: { Name: "/aws/apigateway/hr-chatbot-api" },
    });
  });

  it("lets only this API invoke the function", () => {
    expect(onlyResource(json, "aws_lambda_permission")).toEqual({
      action: "lambda:InvokeFunction",
      function_name: "hr-chatbot-backend",
      principal: "apigateway.amazonaws.com",
      source_arn: `\${aws_apigatewayv2_api.${apiId}.execution_arn}/*/*`,
    });
  });

  it("exposes typed outputs", () => {
    const stageId = logicalId(json, "aws_apigatewayv2_stage");
    const values = {
      apiId: api.apiId,
      apiEndpoint: api.apiEndpoint,
      url: api.url,
      executionArn: api.executionArn,
    };
    const more = { logGroupName: api.logGroupName, logGroupArn: api.logGroupArn };
    for (const [k, v] of Object.entries({ ...values, ...more }))
      new TerraformOutput(stack, `o-${k}`, { value: v });
    const out = synthJson(stack).output ?? {};
    expect(Object.fromEntries(Object.entries(out).map(([k, v]) => [k.slice(2), v.value]))).toEqual({
      apiId: `\${aws_apigatewayv2_api.${apiId}.id}`,
      apiEndpoint: `\${aws_apigatewayv2_api.${apiId}.api_endpoint}`,
      url: `\${aws_apigatewayv2_stage.${stageId}.invoke_url}`,
      executionArn: `\${aws_apigatewayv2_api.${apiId}.execution_arn}`,
      logGroupName: `\${aws_cloudwatch_log_group.${logGroupId}.name}`,
      logGroupArn: `\${aws_cloudwatch_log_group.${logGroupId}.arn}`,
    });
    expect(api.stageName).toBe("$default");
  });

  it("has no warning at a 30 s handler timeout", () => {
    expect(warnings(api)).toEqual([]);
  });
});

describe("the 30 s integration limit", () => {
  it("caps the integration timeout and warns when the function may run longer", () => {
    const { json, api } = build({ handler: { ...HANDLER, timeoutSeconds: 60 } });
    expect(onlyResource(json, "aws_apigatewayv2_integration").timeout_milliseconds).toBe(30000);
    expect(warnings(api)).toEqual([expect.stringContaining("the handler's timeout is 60 s")]);
    expect(warnings(api)[0]).toContain("503");
  });

  it("writes the warning into the synthesized manifest", () => {
    const { stack } = testStack();
    new HttpApi(stack, "api", { name: "hr-chatbot", handler: { ...HANDLER, timeoutSeconds: 31 } });
    const outdir = Testing.fullSynth(stack);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
      stacks: Record<string, { annotations: { constructPath: string; level: string; message: string }[] }>;
    };
    expect(manifest.stacks.test.annotations).toEqual([
      expect.objectContaining({
        constructPath: "test/api",
        level: "@cdktf/warn",
        message: expect.stringContaining("waits at most 30 s"),
      }),
    ]);
  });

  it("uses the handler's timeout below 30 s", () => {
    const { json, api } = build({ handler: { ...HANDLER, timeoutSeconds: 10 } });
    expect(onlyResource(json, "aws_apigatewayv2_integration").timeout_milliseconds).toBe(10000);
    expect(warnings(api)).toEqual([]);
  });
});

describe("with a VpcFunction", () => {
  it("takes the function directly and warns about its 60 s default timeout", () => {
    const { stack } = testStack();
    const fn = new VpcFunction(stack, "backend", {
      name: "hr-chatbot",
      region: "ap-northeast-1",
      vpc: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] },
    });
    const api = new HttpApi(stack, "api", { name: "hr-chatbot", handler: fn });
    const json = synthJson(stack);
    const lambdaId = logicalId(json, "aws_lambda_function");
    expect(onlyResource(json, "aws_apigatewayv2_integration").integration_uri).toBe(
      `\${aws_lambda_function.${lambdaId}.invoke_arn}`,
    );
    const permission = onlyResource(json, "aws_lambda_permission");
    expect(permission.function_name).toBe(`\${aws_lambda_function.${lambdaId}.function_name}`);
    expect(permission.qualifier).toBeUndefined();
    expect(warnings(api)).toHaveLength(1);
  });

  it("invokes the live alias and grants the permission on it when provisioned concurrency is set", () => {
    const { stack } = testStack();
    const fn = new VpcFunction(stack, "backend", {
      name: "hr-chatbot",
      region: "ap-northeast-1",
      timeoutSeconds: 30,
      provisionedConcurrency: 1,
      vpc: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] },
    });
    new HttpApi(stack, "api", { name: "hr-chatbot", handler: fn });
    const json = synthJson(stack);
    const aliasId = logicalId(json, "aws_lambda_alias");
    expect(onlyResource(json, "aws_apigatewayv2_integration").integration_uri).toBe(
      `\${aws_lambda_alias.${aliasId}.invoke_arn}`,
    );
    expect(onlyResource(json, "aws_lambda_permission").qualifier).toBe(
      `\${aws_lambda_alias.${aliasId}.name}`,
    );
  });
});

describe("options and validation", () => {
  it("takes custom routes, throttling, retention, CORS, name and tags", () => {
    const { json } = build({
      apiName: "chat-api",
      routes: ["GET /health", "POST /chat", "ANY /docs/{proxy+}", "GET /users/{id}", "GET /"],
      throttling: { burstLimit: 20, rateLimit: 10.5 },
      logRetentionDays: 7,
      corsAllowOrigins: ["https://hr.example.com", "http://localhost:3000"],
      tags: { Env: "dev" },
    });
    const api = onlyResource(json, "aws_apigatewayv2_api");
    expect(api).toMatchObject({
      name: "chat-api",
      tags: { Env: "dev", Name: "chat-api" },
      cors_configuration: {
        allow_origins: ["https://hr.example.com", "http://localhost:3000"],
        allow_methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers: ["authorization", "content-type"],
        max_age: 3600,
      },
    });
    expect(
      Object.values(resourcesOf(json, "aws_apigatewayv2_route"))
        .map((r) => r.route_key)
        .sort(),
    ).toEqual(["ANY /docs/{proxy+}", "GET /", "GET /health", "GET /users/{id}", "POST /chat"]);
    expect(onlyResource(json, "aws_apigatewayv2_stage").default_route_settings).toEqual({
      throttling_burst_limit: 20,
      throttling_rate_limit: 10.5,
    });
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/apigateway/chat-api",
      retention_in_days: 7,
      tags: { Env: "dev", Name: "/aws/apigateway/chat-api" },
    });
  });

  it.each([
    ["$default", undefined],
    ["GET /health", undefined],
    ["ANY /{proxy+}", undefined],
    ["GET health", 'must be "$default" or "METHOD /path"'],
    ["get /health", 'must be "$default" or "METHOD /path"'],
    ["GET  /health", 'must be "$default" or "METHOD /path"'],
    ["FETCH /health", "has method FETCH"],
    ["GET /a//b", "empty path segment"],
    ["GET /health/", "empty path segment"],
    ["GET /{proxy+}/x", "greedy {name+} segment only at the end"],
    ["GET /a b", "invalid path segment"],
    ["GET /{1id}", "invalid path segment"],
  ])("route key %j", (key, problem) => {
    if (problem === undefined) expect(routeKeyProblem(key)).toBeUndefined();
    else expect(routeKeyProblem(key)).toContain(problem);
  });

  it.each<[string, Partial<HttpApiProps>, string]>([
    [
      "route",
      { routes: ["GET /health", "POST chat"] },
      'routes[1] "POST chat" must be "$default" or "METHOD /path"',
    ],
    [
      "duplicate route",
      { routes: ["GET /health", "GET /health"] },
      'routes[1] "GET /health" is listed twice',
    ],
    ["empty routes", { routes: [] }, "routes [] must list at least one route key"],
    [
      "burst",
      { throttling: { burstLimit: 5001 } },
      "throttling.burstLimit 5001 must be an integer from 0 to 5000",
    ],
    ["rate", { throttling: { rateLimit: -1 } }, "throttling.rateLimit -1 must be a number from 0 to 10000"],
    ["retention", { logRetentionDays: 10 }, "logRetentionDays 10 must be one of"],
    [
      "origin",
      { corsAllowOrigins: ["https://hr.example.com/"] },
      'corsAllowOrigins[0] "https://hr.example.com/"',
    ],
    ["no origins", { corsAllowOrigins: [] }, "corsAllowOrigins [] must list at least one origin"],
    ["apiName", { apiName: "my api" }, 'apiName "my api" must be 1-128'],
    ["name", { name: "Hr" }, 'name "Hr" must be 2-40'],
    [
      "timeout",
      { handler: { ...HANDLER, timeoutSeconds: 0 } },
      "handler.timeoutSeconds 0 must be an integer",
    ],
  ])("rejects a bad %s", (_label, props, message) => {
    expect(create(props)).toThrow(message);
  });
});
