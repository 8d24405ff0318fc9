import { Unknown } from "./template";
import { change, lit, plan, tpl } from "./fixtures/builders";
import { Computed, PlanView } from "./plan";

describe("PlanView", () => {
  it("merges after and after_unknown: known values, configured unknowns, provider-computed values", () => {
    const view = PlanView.parse(
      plan([
        change("aws_vpc", "vpc", { cidr_block: "10.0.0.0/24" }, { unknown: { id: true, arn: true } }),
        change(
          "aws_subnet",
          "a",
          { cidr_block: "10.0.0.0/25", tags: { Name: "a" } },
          {
            unknown: { vpc_id: true, id: true },
            config: {
              vpc_id: tpl("${aws_vpc.vpc.id}"),
              cidr_block: lit("10.0.0.0/25"),
              tags: lit({ Name: "a" }),
            },
          },
        ),
      ]),
    );
    const subnet = view.resources("aws_subnet")[0];
    expect(subnet.get("cidr_block")).toBe("10.0.0.0/25");
    expect(subnet.get("tags", "Name")).toBe("a");
    const vpcId = subnet.get("vpc_id");
    expect(vpcId).toBeInstanceOf(Unknown);
    expect(vpcId).not.toBeInstanceOf(Computed);
    expect((vpcId as Unknown).references).toEqual(["aws_vpc.vpc.id"]);
    expect(subnet.get("id")).toBeInstanceOf(Computed);
    expect(subnet.get("missing")).toBeUndefined();
    expect(subnet.references("vpc_id")).toEqual(["aws_vpc.vpc.id", "aws_vpc.vpc"]);
    expect(subnet.refersTo(view.resources("aws_vpc")[0], "vpc_id")).toBe(true);
    expect(subnet.referencedResources("vpc_id").map((r) => r.address)).toEqual(["aws_vpc.vpc"]);
  });

  it("resolves references to known attributes, counted instances and variables", () => {
    const view = PlanView.parse(
      plan(
        [
          change("aws_lambda_function", "fn", { function_name: "backend" }, { index: 0 }),
          change("aws_lambda_function", "fn", { function_name: "worker" }, { index: 1 }),
          change(
            "aws_cloudwatch_log_group",
            "logs",
            {},
            {
              unknown: { name: true, retention_in_days: true },
              config: {
                name: tpl("/aws/lambda/${aws_lambda_function.fn[1].function_name}"),
                retention_in_days: tpl("${var.retention}"),
              },
            },
          ),
        ],
        { variables: { retention: 14 } },
      ),
    );
    const logs = view.resources("aws_cloudwatch_log_group")[0];
    expect(logs.get("name")).toBe("/aws/lambda/worker");
    expect(logs.get("retention_in_days")).toBe(14);
  });

  it("finds configuration inside modules and keeps references module-relative", () => {
    const view = PlanView.parse(
      plan([
        change("aws_s3_bucket", "state", { bucket: "b" }, { module: "module.state", unknown: { id: true } }),
        change(
          "aws_s3_bucket_versioning",
          "v",
          { versioning_configuration: [{ status: "Enabled" }] },
          {
            module: "module.state",
            unknown: { bucket: true },
            config: { bucket: tpl("${aws_s3_bucket.state.id}") },
          },
        ),
        change("aws_s3_bucket", "state", { bucket: "other" }, { unknown: { id: true } }),
      ]),
    );
    const [inModule, root] = view.resources("aws_s3_bucket");
    const versioning = view.resources("aws_s3_bucket_versioning")[0];
    expect(versioning.address).toBe("module.state.aws_s3_bucket_versioning.v");
    expect(versioning.refersTo(inModule, "bucket")).toBe(true);
    expect(versioning.refersTo(root, "bucket")).toBe(false);
  });

  it("evaluates nested blocks that are unknown as a whole from the configuration", () => {
    const view = PlanView.parse(
      plan([
        change(
          "aws_iam_role",
          "r",
          { name: "r" },
          {
            unknown: { inline_policy: true },
            config: {
              inline_policy: [
                {
                  name: lit("p"),
                  policy: tpl('{"Statement":[{"Action":"kms:*","Resource":"${aws_kms_key.k.arn}"}]}'),
                },
              ],
            },
          },
        ),
      ]),
    );
    const inline = view.resources("aws_iam_role")[0].get("inline_policy") as {
      name: string;
      policy: string;
    }[];
    expect(inline[0].name).toBe("p");
    expect(inline[0].policy).toBeInstanceOf(Unknown);
    const doc = (inline[0].policy as unknown as Unknown).document as { Statement: Record<string, unknown>[] };
    expect(doc.Statement[0].Action).toBe("kms:*");
    expect(doc.Statement[0].Resource).toEqual(new Unknown(["aws_kms_key.k.arn"]));
  });

  it("reports replacements, deletions and provider default tags", () => {
    const view = PlanView.parse(
      plan(
        [
          change("aws_kms_key", "k", {}, { actions: ["delete", "create"] }),
          change("aws_s3_bucket", "b", null, { actions: ["delete"] }),
        ],
        { defaultTags: { Project: "hr-chatbot" } },
      ),
    );
    const [key, bucket] = view.all();
    expect([key.isReplace, key.isDelete, key.exists]).toEqual([true, false, true]);
    expect([bucket.isReplace, bucket.isDelete, bucket.exists]).toEqual([false, true, false]);
    expect(view.resources().map((r) => r.address)).toEqual(["aws_kms_key.k"]);
    expect(view.defaultTags(key)).toEqual({ Project: "hr-chatbot" });
  });
});
