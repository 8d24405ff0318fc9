import { Fn } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { isJsonencode, parseJsonencode } from "./jsonencode";
import { synthJson, testStack } from "./testing";

describe("parseJsonencode", () => {
  it("reads back a synthesized Fn.jsonencode with references, templates and function calls", () => {
    const { stack } = testStack();
    const role = new IamRole(stack, "r", { name: "x", assumeRolePolicy: "{}" });
    new IamRolePolicy(stack, "p", {
      role: role.name,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["a:B"],
            Resource: [role.arn, `${role.arn}:*`, `arn:aws:x:${Fn.element(Fn.split(":", role.arn), 4)}:y`],
            N: 3,
            B: true,
          },
        ],
      }),
    });
    const policy = synthJson(stack).resource?.aws_iam_role_policy.p.policy;
    expect(isJsonencode(policy)).toBe(true);
    expect(parseJsonencode(policy as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["a:B"],
          Resource: [
            "${aws_iam_role.r.arn}",
            "${aws_iam_role.r.arn}:*",
            'arn:aws:x:${element(split(":", aws_iam_role.r.arn), 4)}:y',
          ],
          N: 3,
          B: true,
        },
      ],
    });
  });

  it("parses plain JSON and rejects broken expressions", () => {
    expect(parseJsonencode('{"a":1}')).toEqual({ a: 1 });
    expect(() => parseJsonencode('${jsonencode({"a" = "b)}')).toThrow("unterminated");
  });
});
