import { comparePlans } from "./compare";

const plan = (changes: Array<[string, unknown, unknown?, string[]?]>) => ({
  resource_changes: changes.map(([address, after, afterUnknown, actions]) => ({
    address,
    type: address.split(".")[0],
    change: { actions: actions ?? ["create"], after, after_unknown: afterUnknown ?? {} },
  })),
});

describe("comparePlans", () => {
  it("compares JSON documents as parsed JSON: key order and spacing do not count", () => {
    const old = plan([
      ["aws_iam_role.r", { assume_role_policy: '{"Version": "2012-10-17", "Statement": []}' }],
    ]);
    const same = plan([
      ["aws_iam_role.r", { assume_role_policy: '{"Statement":[],"Version":"2012-10-17"}' }],
    ]);
    expect(comparePlans(old, same)).toEqual([]);
  });

  it("reports added, removed and moved addresses, actions, values and what is unknown until apply", () => {
    const old = plan([
      ["aws_iam_role_policy.a", { policy: '{"Statement":[{"Action":"ec2:A"}]}' }],
      ["aws_cloudwatch_log_group.old", { name: "/aws/lambda/x" }],
      ["aws_iam_role_policy.gone", { policy: "{}" }],
      ["aws_lambda_function.f", { memory_size: 256 }, { arn: true }],
    ]);
    const next = plan([
      ["aws_iam_role_policy.a", { policy: '{"Statement":[{"Action":["ec2:A","ec2:B"]}]}' }],
      ["aws_cloudwatch_log_group.new", { name: "/aws/lambda/x" }],
      ["aws_cloudwatch_log_group.other", { name: "/aws/lambda/y" }],
      ["aws_lambda_function.f", { memory_size: 256 }, { arn: true, version: true }, ["update"]],
    ]);
    expect(comparePlans(old, next)).toEqual([
      { address: "aws_cloudwatch_log_group.new", what: "moved", before: "aws_cloudwatch_log_group.old" },
      { address: "aws_cloudwatch_log_group.other", what: "added" },
      {
        address: "aws_iam_role_policy.a",
        what: "after.policy",
        before: { Statement: [{ Action: "ec2:A" }] },
        after: { Statement: [{ Action: ["ec2:A", "ec2:B"] }] },
      },
      { address: "aws_iam_role_policy.gone", what: "removed" },
      { address: "aws_lambda_function.f", what: "actions", before: ["create"], after: ["update"] },
      { address: "aws_lambda_function.f", what: "after_unknown.version", before: undefined, after: true },
    ]);
  });
});
