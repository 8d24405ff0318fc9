import { checkovConfigCopy, qualifyAddress } from "./checkov";

const config = JSON.stringify({
  moved: [{ from: "aws_cloudwatch_log_group.old", to: "aws_cloudwatch_log_group.new" }],
  resource: {
    aws_lambda_function: { function_679B3B5A: { function_name: "hr-chatbot-backend" } },
    aws_cloudwatch_log_group: { new: { name: "/aws/lambda/hr-chatbot-backend" } },
  },
});

describe("checkovConfigCopy", () => {
  it("drops the moved blocks checkov's terraform_json parser cannot read, and keeps every resource", () => {
    const { doc, typeOf } = checkovConfigCopy(config);
    expect(doc.moved).toBeUndefined();
    expect(Object.keys(doc.resource ?? {})).toEqual(["aws_lambda_function", "aws_cloudwatch_log_group"]);
    expect([...typeOf]).toEqual([
      ["function_679B3B5A", "aws_lambda_function"],
      ["new", "aws_cloudwatch_log_group"],
    ]);
  });
});

describe("qualifyAddress", () => {
  const { typeOf } = checkovConfigCopy(config);
  it("puts the resource type back into checkov's resource.<name> addresses", () => {
    expect(qualifyAddress("resource.function_679B3B5A", typeOf)).toBe(
      "aws_lambda_function.function_679B3B5A",
    );
  });
  it("leaves full addresses and unknown names as they are", () => {
    expect(qualifyAddress("aws_vpc.network_vpc", typeOf)).toBe("aws_vpc.network_vpc");
    expect(qualifyAddress("resource.unknown", typeOf)).toBe("resource.unknown");
  });
});
