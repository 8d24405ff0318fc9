import { parseJsonencode } from "./jsonencode";
import { serviceTrustPolicy } from "./iam";
import { onlyResource, synthJson, testStack } from "./testing";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { ConfigError, fail, validateIntRange, validateName, withName } from "./core";
import { cidrContains, cidrOverlaps, cidrSize, mustParseCidr, parseCidr, subdivide } from "./cidr";

describe("cidr", () => {
  it("parses a valid block", () => {
    expect(parseCidr("10.0.0.128/25")).toEqual({
      text: "10.0.0.128/25",
      start: 167772288,
      end: 167772415,
      prefix: 25,
    });
  });

  it.each([
    ["10.0.0.0", "is not an IPv4 CIDR block"],
    ["10.0.0.0/33", "is not an IPv4 CIDR block"],
    ["300.0.0.0/24", "is not an IPv4 CIDR block"],
    ["banana", "is not an IPv4 CIDR block"],
    ["10.0.0.1/24", "has host bits set (the network address is 10.0.0.0/24)"],
  ])("rejects %s", (text, message) => {
    expect(parseCidr(text)).toEqual(expect.stringContaining(message));
  });

  it("checks containment and overlap", () => {
    const vpc = mustParseCidr("10.0.0.0/24");
    expect(cidrContains(vpc, mustParseCidr("10.0.0.128/25"))).toBe(true);
    expect(cidrContains(vpc, mustParseCidr("10.0.1.0/25"))).toBe(false);
    // the guide's failure 1: a /24 subnet takes the whole VPC, so a /25 overlaps it
    expect(cidrOverlaps(mustParseCidr("10.0.0.0/24"), mustParseCidr("10.0.0.128/25"))).toBe(true);
    expect(cidrOverlaps(mustParseCidr("10.0.0.0/25"), mustParseCidr("10.0.0.128/25"))).toBe(false);
    expect(cidrSize(vpc)).toBe(256);
  });

  it("subdivides a VPC range", () => {
    expect(subdivide(mustParseCidr("10.0.0.0/24"), 25, 2)).toEqual(["10.0.0.0/25", "10.0.0.128/25"]);
    expect(subdivide(mustParseCidr("10.1.0.0/16"), 20, 3)).toEqual([
      "10.1.0.0/20",
      "10.1.16.0/20",
      "10.1.32.0/20",
    ]);
    expect(() => subdivide(mustParseCidr("10.0.0.0/24"), 25, 3)).toThrow(
      "holds only 2 /25 blocks, 3 requested",
    );
    expect(() => subdivide(mustParseCidr("10.0.0.0/24"), 29, 1)).toThrow("/16 to /28");
  });
});

describe("validation helpers", () => {
  it("names the field, the value and the rule", () => {
    expect(() => fail("network.vpcCidr", "10.0.0.1/24", "has host bits set")).toThrow(
      'network.vpcCidr "10.0.0.1/24" has host bits set',
    );
    try {
      fail("x", 1, "rule");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe("x");
    }
  });

  it("validates names", () => {
    expect(validateName("name", "hr-chatbot")).toBe("hr-chatbot");
    expect(() => validateName("name", "HR_Chatbot")).toThrow('name "HR_Chatbot" must be 2-40 lower-case');
    expect(() => validateName("name", "a--b")).toThrow("single hyphens");
    expect(() => validateName("name", "-ab")).toThrow();
  });

  it("validates integer ranges", () => {
    expect(validateIntRange("memoryMb", 1024, 128, 10240)).toBe(1024);
    expect(() => validateIntRange("memoryMb", 64, 128, 10240)).toThrow(
      "memoryMb 64 must be an integer from 128 to 10240",
    );
    expect(() => validateIntRange("memoryMb", 1.5, 1, 10)).toThrow();
  });

  it("adds a Name tag", () => {
    expect(withName({ Project: "p" }, "n")).toEqual({ Project: "p", Name: "n" });
  });
});

describe("serviceTrustPolicy", () => {
  function trust(service: string, condition?: Record<string, unknown>) {
    const { stack } = testStack();
    new IamRole(stack, "role", { assumeRolePolicy: serviceTrustPolicy(service, condition) });
    return parseJsonencode(onlyResource(synthJson(stack), "aws_iam_role").assume_role_policy as string) as {
      Statement: Array<Record<string, unknown>>;
    };
  }

  it("lets exactly one service assume the role", () => {
    expect(trust("lambda.amazonaws.com")).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
  });

  it("adds the condition when given", () => {
    const condition = { StringEquals: { "aws:SourceAccount": "123456789012" } };
    expect(trust("vpc-flow-logs.amazonaws.com", condition).Statement[0].Condition).toEqual(condition);
  });
});
