import {
  Unknown,
  evaluateConstant,
  evaluateTemplate,
  isFullyKnown,
  referencesIn,
  terraformJsonEncode,
} from "./hcl";

const known: Record<string, unknown> = {
  "aws_vpc.vpc.cidr_block": "10.0.0.0/24",
  "aws_lambda_function.fn.function_name": "hr-chatbot-backend",
  "var.port": 5432,
};
const resolve = (t: readonly (string | number)[]) => {
  const text = t.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
  return text in known ? known[text] : new Unknown([text]);
};

describe("evaluateTemplate", () => {
  it("returns plain strings unchanged", () => {
    expect(evaluateTemplate("hr-chatbot", resolve)).toBe("hr-chatbot");
  });

  it("resolves known references and keeps a single interpolation's type", () => {
    expect(evaluateTemplate("${aws_vpc.vpc.cidr_block}", resolve)).toBe("10.0.0.0/24");
    expect(evaluateTemplate("${var.port}", resolve)).toBe(5432);
    expect(evaluateTemplate("/aws/lambda/${aws_lambda_function.fn.function_name}", resolve)).toBe(
      "/aws/lambda/hr-chatbot-backend",
    );
  });

  it("returns an Unknown carrying the reference when a part is unknown", () => {
    const v = evaluateTemplate("${aws_secretsmanager_secret.db.arn}-*", resolve);
    expect(v).toBeInstanceOf(Unknown);
    expect(referencesIn(v)).toEqual(["aws_secretsmanager_secret.db.arn"]);
  });

  it("keeps the structure of a jsonencode whose references are unknown (CDKTF Fn.jsonencode output)", () => {
    const template =
      '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", ' +
      '"Action" = ["secretsmanager:GetSecretValue"], "Resource" = [aws_secretsmanager_secret.db.arn, ' +
      '"${aws_secretsmanager_secret.db.arn}-*"]}, {"Effect" = "Allow", "Action" = "bedrock:*", "Resource" = "*"}]})}';
    const v = evaluateTemplate(template, resolve);
    expect(v).toBeInstanceOf(Unknown);
    const doc = (v as Unknown).encoded as { Statement: Record<string, unknown>[] };
    expect(doc.Statement[0].Action).toEqual(["secretsmanager:GetSecretValue"]);
    expect((doc.Statement[0].Resource as unknown[]).every((r) => r instanceof Unknown)).toBe(true);
    expect(doc.Statement[1]).toEqual({ Effect: "Allow", Action: "bedrock:*", Resource: "*" });
  });

  it("encodes a fully known jsonencode like Terraform (sorted keys)", () => {
    expect(evaluateTemplate('${jsonencode({"b" = 1, "a" = [true, null, "x"]})}', resolve)).toBe(
      '{"a":[true,null,"x"],"b":1}',
    );
    expect(terraformJsonEncode({ z: { y: 1, x: 2 } })).toBe('{"z":{"x":2,"y":1}}');
  });

  it("handles escapes, $${ literals, operators, conditionals and simple functions", () => {
    expect(evaluateTemplate('${"a\\"b\\n"}', resolve)).toBe('a"b\n');
    expect(evaluateTemplate("$${not.interpolated}", resolve)).toBe("${not.interpolated}");
    expect(evaluateTemplate("${1 + 2 * 3}", resolve)).toBe(7);
    expect(evaluateTemplate('${var.port == 5432 ? "pg" : "other"}', resolve)).toBe("pg");
    expect(evaluateTemplate('${join(",", concat(["a"], ["b"]))}', resolve)).toBe("a,b");
    expect(evaluateTemplate('${merge({"a" = 1}, {"b" = 2})}', resolve)).toEqual({ a: 1, b: 2 });
    expect(evaluateTemplate("${tolist([1, 2])[1]}", resolve)).toBe(2);
    expect(evaluateTemplate('${upper("x")}-${lower("Y")}', resolve)).toBe("X-y");
  });

  it("gives up safely (Unknown with the references seen) on unsupported syntax", () => {
    const v = evaluateTemplate("${[for s in aws_subnet.a : s.id]}", resolve);
    expect(v).toBeInstanceOf(Unknown);
    const splat = evaluateTemplate("${aws_subnet.a.*.id}", resolve);
    expect(splat).toBeInstanceOf(Unknown);
    expect(referencesIn(splat)).toEqual([]);
    expect(evaluateTemplate("%{ if true }x%{ endif }", resolve)).toBeInstanceOf(Unknown);
    expect(evaluateTemplate("${unterminated(", resolve)).toBeInstanceOf(Unknown);
    expect(evaluateTemplate("${cidrsubnet(aws_vpc.vpc.cidr_block, 1, 0)}", resolve)).toBeInstanceOf(Unknown);
  });

  it("short-circuits logic with one unknown side", () => {
    expect(evaluateTemplate("${true || aws_x.y.z}", resolve)).toBe(true);
    expect(evaluateTemplate("${aws_x.y.z && false}", resolve)).toBe(false);
    expect(evaluateTemplate("${aws_x.y.z ? 1 : 2}", resolve)).toBeInstanceOf(Unknown);
  });
});

describe("evaluateConstant", () => {
  it("evaluates templates nested in lists and maps", () => {
    const v = evaluateConstant(
      { ids: ["${aws_security_group.sg.id}", "sg-123"], cidr: "${aws_vpc.vpc.cidr_block}" },
      resolve,
    );
    expect(isFullyKnown(v)).toBe(false);
    expect((v as { ids: unknown[] }).ids[1]).toBe("sg-123");
    expect((v as { cidr: string }).cidr).toBe("10.0.0.0/24");
  });

  it("passes non-string constants through", () => {
    expect(evaluateConstant(true, resolve)).toBe(true);
    expect(evaluateConstant(null, resolve)).toBeNull();
    expect(isFullyKnown(evaluateConstant([1, { a: "b" }], resolve))).toBe(true);
  });
});
