import * as fs from "fs";
import * as path from "path";

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
interface PlaceholderModule {
  handler(event: unknown): Promise<HttpResult>;
}

// The placeholder is plain CommonJS (outside the TypeScript project), loaded as Lambda loads it.
const { handler } = jest.requireActual<PlaceholderModule>("./placeholder/index.js");

/** An API Gateway HTTP API payload 2.0 event, as the `$default` stage sends it. */
function event(method: string, rawPath: string): unknown {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: "",
    headers: { host: "abc123.execute-api.ap-northeast-1.amazonaws.com" },
    requestContext: {
      apiId: "abc123",
      stage: "$default",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "jest" },
    },
    isBase64Encoded: false,
  };
}

describe("placeholder handler", () => {
  it("answers GET /health with 200 {status: healthy} as JSON", async () => {
    const res = await handler(event("GET", "/health"));
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(res.body)).toEqual({ status: "healthy" });
  });

  it.each([
    ["GET", "/"],
    ["GET", "/chat"],
    ["POST", "/health"],
    ["GET", "/health/"],
  ])("answers %s %s with a JSON 404", async (method, p) => {
    const res = await handler(event(method, p));
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(res.body)).toEqual({ message: "Not Found" });
  });

  it("survives an event that is not an HTTP API event", async () => {
    expect((await handler(undefined)).statusCode).toBe(404);
    expect((await handler({})).statusCode).toBe(404);
  });

  it("has no dependencies and reads no secrets or settings", () => {
    const source = fs.readFileSync(path.join(__dirname, "placeholder", "index.js"), "utf8");
    expect(source).not.toMatch(/require\(|import /);
    expect(source).not.toMatch(/process\.env|secretsmanager|SecretsManager/i);
    expect(fs.readdirSync(path.join(__dirname, "placeholder"))).toEqual(["index.js"]);
  });
});
