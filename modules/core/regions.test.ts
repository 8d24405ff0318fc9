import { AWS_REGIONS, availabilityZoneProblem, regionProblem } from "./regions";
import { awsNameProblem, tagKeyProblem, tagValueProblem } from "./aws-names";
import { nearest } from "./suggest";

describe("regions and zones", () => {
  it.each(["ap-northeast-1", "us-east-1", "eu-central-2", "us-gov-west-1"])("%s is a region", (r) =>
    expect(regionProblem(r)).toBeUndefined(),
  );
  it.each(["ap-northeast-9", "tokyo", "eu-central-9", "us-east-10"])("%s is refused", (r) =>
    expect(regionProblem(r)).toMatch(/must be an AWS region code/),
  );
  it("knows the zones of the guide's region", () => {
    expect(availabilityZoneProblem("ap-northeast-1a", "ap-northeast-1")).toBeUndefined();
    expect(availabilityZoneProblem("ap-northeast-1d")).toBeUndefined();
    expect(availabilityZoneProblem("ap-northeast-1z")).toMatch(
      /is not an availability zone of region ap-northeast-1 \(its zones: ap-northeast-1a, ap-northeast-1c, ap-northeast-1d\)/,
    );
    expect(availabilityZoneProblem("ap-northeast-9a")).toMatch(/of a known AWS region/);
    expect(availabilityZoneProblem("us-east-1a", "ap-northeast-1")).toMatch(
      /not an availability zone of region ap-northeast-1/,
    );
  });
  it("every region has at least two zones (a DB subnet group needs two)", () => {
    for (const r of Object.values(AWS_REGIONS)) expect(r.zones.length).toBeGreaterThanOrEqual(2);
  });
});

describe("AWS names", () => {
  it.each([
    [
      "aws_lambda_function.function_name",
      "a".repeat(65),
      /must be 1-64 characters for a Lambda function name/,
    ],
    ["aws_iam_role.name", "role name", /must contain only letters, digits and \+=,\.@_-/],
    ["aws_kms_alias.name", "alias/aws/mine", /must not start with "alias\/aws\/"/],
    ["aws_cloudwatch_log_group.name", "aws/mine", /must not start with "aws\/"/],
    ["aws_rds_cluster.cluster_identifier", "hr--chatbot-cluster", /no two consecutive hyphens/],
    ["aws_sns_topic.name", "topic.name", /SNS topic name/],
  ])("%s %s", (key, name, rule) => expect(awsNameProblem(key, name)).toMatch(rule));
  it("accepts the guide's names", () => {
    expect(awsNameProblem("aws_lambda_function.function_name", "hr-chatbot-backend")).toBeUndefined();
    expect(awsNameProblem("aws_rds_cluster.cluster_identifier", "hr-chatbot-cluster")).toBeUndefined();
  });
  it("tag keys and values", () => {
    expect(tagKeyProblem("aws:owner")).toMatch(/reserved for AWS/);
    expect(tagKeyProblem("Team")).toBeUndefined();
    expect(tagValueProblem("x".repeat(257))).toMatch(/at most 256/);
  });
});

describe("suggestions", () => {
  it("finds near misses only", () => {
    expect(nearest("bedrock-agent-runtme", ["bedrock-agent-runtime", "bedrock-runtime"])).toBe(
      "bedrock-agent-runtime",
    );
    expect(nearest("zzzz", ["secretsmanager"])).toBeUndefined();
  });
});
