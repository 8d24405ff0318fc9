import { Unknown, evaluateConstant, evaluateTemplate, referencesIn } from "./template";

const known: Record<string, unknown> = {
  "aws_vpc.vpc.cidr_block": "10.0.0.0/24",
  "aws_lambda_function.fn.function_name": "hr-chatbot-backend",
  "aws_subnet.a[1].id": "subnet-0c",
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
    expect(evaluateTemplate("${aws_subnet.a[1].id}", resolve)).toBe("subnet-0c");
    expect(evaluateTemplate("/aws/lambda/${aws_lambda_function.fn.function_name}", resolve)).toBe(
      "/aws/lambda/hr-chatbot-backend",
    );
  });

  it("returns an Unknown carrying the reference when a part is unknown", () => {
    const v = evaluateTemplate("${aws_secretsmanager_secret.db.arn}-*", resolve);
    expect(v).toBeInstanceOf(Unknown);
    expect(referencesIn(v)).toEqual(["aws_secretsmanager_secret.db.arn"]);
  });

  it("keeps the structure of a JSON document whose references are unknown (policyDocument output)", () => {
    const template = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: ["${aws_secretsmanager_secret.db.arn}", "${aws_secretsmanager_secret.db.arn}-*"],
        },
        {
          Effect: "Allow",
          Action: "kms:Decrypt",
          Principal: {
            AWS: "arn:${PARTITION}:iam::${element(local.k, 4)}:root",
          },
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceVpc": "${aws_vpc.vpc.cidr_block}" } },
        },
      ],
      // as synthesized: the quotes of an interpolation's own strings are not JSON-escaped
    }).replace("PARTITION", 'element(split(":", aws_kms_key.k.arn), 1)');
    const v = evaluateTemplate(template, resolve);
    expect(v).toBeInstanceOf(Unknown);
    expect(referencesIn(v)).toEqual(["aws_secretsmanager_secret.db.arn", "aws_kms_key.k.arn", "local.k"]);
    const doc = (v as Unknown).document as { Statement: Record<string, unknown>[] };
    expect(doc.Statement[0].Action).toEqual(["secretsmanager:GetSecretValue"]);
    expect(doc.Statement[0].Resource).toEqual([
      new Unknown(["aws_secretsmanager_secret.db.arn"]),
      new Unknown(["aws_secretsmanager_secret.db.arn"]),
    ]);
    expect(doc.Statement[1]).toEqual({
      Effect: "Allow",
      Action: "kms:Decrypt",
      Principal: { AWS: new Unknown(["aws_kms_key.k.arn", "local.k"]) },
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceVpc": "10.0.0.0/24" } },
    });
  });

  it("fills in a JSON document whose references are all known", () => {
    const template = '{"Resource":"arn:aws:ec2:::subnet/${aws_subnet.a[1].id}","Port":5432}';
    expect(evaluateTemplate(template, resolve)).toBe(
      '{"Resource":"arn:aws:ec2:::subnet/subnet-0c","Port":5432}',
    );
  });

  it("reads $${ as a literal and anything but a plain reference as unknown", () => {
    expect(evaluateTemplate("$${not.interpolated}", resolve)).toBe("${not.interpolated}");
    const call = evaluateTemplate('${jsonencode({"password" = random_password.p.result})}', resolve);
    expect(call).toEqual(new Unknown(["random_password.p.result"]));
    expect(evaluateTemplate('${var.port == 5432 ? "pg" : aws_x.y.z}', resolve)).toEqual(
      new Unknown(["var.port", "aws_x.y.z"]),
    );
    expect(evaluateTemplate("%{ if true }x%{ endif }", resolve)).toBeInstanceOf(Unknown);
    expect(evaluateTemplate("${unterminated(", resolve)).toBeInstanceOf(Unknown);
  });

  it("does not mistake a template that is not JSON for a document", () => {
    const v = evaluateTemplate("{not json ${aws_x.y.arn}}", resolve);
    expect(v).toEqual(new Unknown(["aws_x.y.arn"]));
  });
});

describe("evaluateConstant", () => {
  it("evaluates templates nested in lists and maps", () => {
    const v = evaluateConstant(
      { ids: ["${aws_security_group.sg.id}", "sg-123"], cidr: "${aws_vpc.vpc.cidr_block}" },
      resolve,
    ) as { ids: unknown[]; cidr: string };
    expect(v.ids[0]).toEqual(new Unknown(["aws_security_group.sg.id"]));
    expect(v.ids[1]).toBe("sg-123");
    expect(v.cidr).toBe("10.0.0.0/24");
  });

  it("passes non-string constants through", () => {
    expect(evaluateConstant(true, resolve)).toBe(true);
    expect(evaluateConstant(null, resolve)).toBeNull();
    expect(evaluateConstant([1, { a: "b" }], resolve)).toEqual([1, { a: "b" }]);
  });
});
