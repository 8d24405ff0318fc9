import { Fn, TerraformOutput, Token } from "cdktf";
import { type PolicyCondition, policyDocument, serviceTrustPolicy } from "./iam";
import { arnParts, kmsKeyArnProblem, validateKmsKeyArn } from "./arn";
import { arnPartOf, onlyResource, synthJson, testStack } from "./testing";
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
  function trust(service: string, condition?: PolicyCondition) {
    const { stack } = testStack();
    new IamRole(stack, "role", { assumeRolePolicy: serviceTrustPolicy(service, condition) });
    return JSON.parse(onlyResource(synthJson(stack), "aws_iam_role").assume_role_policy as string) as {
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

describe("policyDocument", () => {
  it("synthesizes to JSON whose references are ${...} interpolations inside strings", () => {
    const { stack } = testStack();
    const role = new IamRole(stack, "role", { assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com") });
    new IamRole(stack, "other", {
      assumeRolePolicy: policyDocument({
        Effect: "Allow",
        Principal: { AWS: role.arn },
        Action: "sts:AssumeRole",
        Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
      }),
    });
    const other = synthJson(stack).resource!.aws_iam_role.other;
    expect(JSON.parse(other.assume_role_policy as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: "${aws_iam_role.role.arn}" },
          Action: "sts:AssumeRole",
          Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
        },
      ],
    });
  });

  it("refuses list and number references, which cannot stand inside a JSON string", () => {
    const { stack } = testStack();
    const role = new IamRole(stack, "role", { assumeRolePolicy: "{}" });
    const list = Fn.split(",", role.arn);
    expect(() => policyDocument({ Effect: "Allow", Action: "s3:GetObject", Resource: list })).toThrow(
      "policy.Statement[0].Resource is a Terraform list reference",
    );
    const count = Token.asNumber(role.maxSessionDuration);
    expect(() =>
      policyDocument({
        Effect: "Allow",
        Action: "s3:GetObject",
        Condition: { NumericLessThan: { n: count } },
      }),
    ).toThrow("policy.Statement[0].Condition.NumericLessThan.n is a Terraform number reference");
  });
});

describe("arnParts", () => {
  it("reads partition, service, region and account id from one local that splits the ARN", () => {
    const { stack } = testStack();
    const role = new IamRole(stack, "role", { assumeRolePolicy: "{}" });
    const parts = arnParts(stack, "role-arn-parts", role.arn);
    new TerraformOutput(stack, "parts", { value: parts });
    const json = synthJson(stack);
    expect(json.locals).toEqual({ "role-arn-parts": '${split(":", aws_iam_role.role.arn)}' });
    expect(json.output?.parts.value).toEqual({
      partition: "${element(local.role-arn-parts, 1)}",
      service: "${element(local.role-arn-parts, 2)}",
      region: "${element(local.role-arn-parts, 3)}",
      accountId: "${element(local.role-arn-parts, 4)}",
    });
    expect(arnPartOf(json, "aws_iam_role.role.arn", 4)).toBe("${element(local.role-arn-parts, 4)}");
  });
});

describe("kmsKeyArnProblem", () => {
  it.each([
    "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  ])("accepts the key ARN %s", (arn) => {
    expect(kmsKeyArnProblem(arn)).toBeUndefined();
  });

  it.each([
    "alias/aws/secretsmanager",
    "arn:aws:kms:ap-northeast-1:123456789012:alias/state",
    "1234abcd-12ab-34cd-56ef-1234567890ab",
  ])("rejects %s, which cannot scope IAM permissions to one key", (value) => {
    expect(kmsKeyArnProblem(value)).toMatch(/^must be a KMS key ARN .*not an alias/);
    expect(() => validateKmsKeyArn("kmsKeyArn", value)).toThrow(`kmsKeyArn "${value}" must be a KMS key ARN`);
  });
});
