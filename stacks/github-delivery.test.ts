/**
 * The GitHub delivery roles of the state bootstrap stack: built from
 * stacks/github.json and the environment files, one deploy role per
 * environment limited to its GitHub environment and its own state key.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SynthJson } from "../modules/core/testing";
import { synthesizeApp } from "./app";
import { PLACEHOLDER_REPOSITORY, loadGithubDelivery } from "./config/github-delivery";
import { DELIVERY_ROLE_PATH } from "./state-bootstrap-stack";

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

const root = mkdtempSync(join(tmpdir(), "github-delivery-"));
const synth = synthesizeApp({ outdir: join(root, "out") });
const json = JSON.parse(
  readFileSync(join(synth.outdir, "stacks", "state-bootstrap", "cdk.tf.json"), "utf8"),
) as SynthJson;
const roles = Object.values(json.resource!.aws_iam_role);
const policies = Object.values(json.resource!.aws_iam_role_policy);
const policyOf = (roleKey: string, name: string): Statement[] => {
  const p = Object.entries(json.resource!.aws_iam_role_policy).find(
    ([k, v]) => k.startsWith(roleKey) && v.name === name,
  )![1];
  return (JSON.parse(p.policy as string) as { Statement: Statement[] }).Statement;
};
const trustSub = (name: string) =>
  (
    JSON.parse(roles.find((r) => r.name === name)!.assume_role_policy as string) as {
      Statement: Statement[];
    }
  ).Statement[0].Condition!.StringEquals["token.actions.githubusercontent.com:sub"];

describe("GitHub delivery roles of the state bootstrap stack", () => {
  test("synth ok; one OIDC provider, a deploy role per environment and the pull-request plan role", () => {
    expect(synth.ok).toBe(true);
    expect(Object.keys(json.resource!.aws_iam_openid_connect_provider)).toHaveLength(1);
    expect(roles.map((r) => [r.name, r.path]).sort()).toEqual([
      ["github-deploy-hr-chatbot-dev", DELIVERY_ROLE_PATH],
      ["github-deploy-hr-chatbot-prod", DELIVERY_ROLE_PATH],
      ["github-plan-hr-chatbot", DELIVERY_ROLE_PATH],
    ]);
    expect(policies).toHaveLength(6);
  });

  test.each([
    ["github-deploy-hr-chatbot-dev", `repo:${PLACEHOLDER_REPOSITORY}:environment:dev`],
    ["github-deploy-hr-chatbot-prod", `repo:${PLACEHOLDER_REPOSITORY}:environment:prod`],
    [
      "github-plan-hr-chatbot",
      [`repo:${PLACEHOLDER_REPOSITORY}:pull_request`, `repo:${PLACEHOLDER_REPOSITORY}:ref:refs/heads/main`],
    ],
  ])("%s trusts exactly %j", (role, sub) => {
    expect(trustSub(role)).toEqual(sub);
  });

  test.each(["dev", "prod"])(
    "the %s deploy role reads and writes its own state key and lock file only",
    (env) => {
      const state = policyOf(`github-deploy-${env}_`, "terraform-state");
      const objects = state.filter((s) => s.Sid !== "ListStateFolder").flatMap((s) => asList(s.Resource));
      expect([...new Set(objects)].sort()).toEqual([
        `arn:aws:s3:::hr-chatbot-terraform-state-apne1/hr-chatbot/${env}/${env}.tfstate`,
        `arn:aws:s3:::hr-chatbot-terraform-state-apne1/hr-chatbot/${env}/${env}.tfstate.tflock`,
      ]);
      const deploy = policyOf(`github-deploy-${env}_`, "deploy");
      expect(deploy.flatMap((s) => asList(s.Action)).filter((a) => a.startsWith("s3:"))).toEqual([]);
    },
  );

  test("the plan role reads state without the lock file and has no write action", () => {
    const state = policyOf("github-plan_", "terraform-state");
    expect(state.flatMap((s) => asList(s.Action))).toEqual(["s3:ListBucket", "s3:GetObject"]);
    const plan = policyOf("github-plan_", "plan");
    const writes = plan
      .flatMap((s) => asList(s.Action))
      .filter((a) => !/^[a-z0-9-]+:(Describe|Get|List)/.test(a) && a !== "apigateway:GET");
    // kms:Decrypt only reads: a refresh reads secrets encrypted with a project key
    expect(writes).toEqual(["kms:Decrypt"]);
  });

  test("deploy roles may never change the delivery roles or the OIDC provider, and name no role outside <project>-*", () => {
    const deploy = policyOf("github-deploy-prod_", "deploy");
    // `$${` is Terraform's escape: the applied policy holds the IAM variable ${aws:PrincipalAccount}
    expect(deploy.find((s) => s.Sid === "NeverTheDeliveryRoles")).toEqual({
      Sid: "NeverTheDeliveryRoles",
      Effect: "Deny",
      Action: "iam:*",
      Resource: [
        "arn:aws:iam::123456789012:role/github-actions/*",
        "arn:aws:iam::123456789012:oidc-provider/*",
      ],
    });
    const iamAllowed = deploy
      .filter((s) => s.Effect === "Allow" && asList(s.Action).some((a) => a.startsWith("iam:")))
      .flatMap((s) => asList(s.Resource));
    expect(new Set(iamAllowed)).toEqual(new Set(["arn:aws:iam::123456789012:role/hr-chatbot-*"]));
    // no role the deploy role may change carries the delivery roles' names
    expect(roles.every((r) => !String(r.name).startsWith("hr-chatbot-"))).toBe(true);
  });

  test("Sids are unique within every policy", () => {
    for (const p of policies) {
      const sids = (JSON.parse(p.policy as string) as { Statement: Statement[] }).Statement.map((s) => s.Sid);
      expect(new Set(sids).size).toBe(sids.length);
    }
  });

  test("outputs the role ARNs per GitHub environment", () => {
    expect(Object.keys((json.output!.github_role_arns as { value: object }).value).sort()).toEqual([
      "dev",
      "prod",
      "pull-requests",
    ]);
  });
});

describe("the delivery file", () => {
  const write = (content: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), "github-json-")), "github.json");
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  test.each([
    [
      { repository: "example-org/*", accountId: "123456789012" },
      'github.json: repository "example-org/*" must name one repository (no wildcard)',
    ],
    [{ repository: "o/r" }, "github.json: accountId (missing)"],
    [{ repository: "o/r", accountId: "12345" }, 'github.json: accountId "12345" must be the 12-digit id'],
    [
      { repository: "nobody", accountId: "123456789012" },
      'github.json: repository "nobody" must be <owner>/<repository> as on github.com',
    ],
    [
      { repository: "o/r", accountId: "123456789012", githubEnvironments: { prod: "prod*" } },
      'github.json: githubEnvironments.prod "prod*" must be 1-255 letters',
    ],
    [
      { repository: "o/r", accountId: "123456789012", existingProviderArn: "arn:aws:iam::1:oidc-provider/x" },
      "github.json: existingProviderArn",
    ],
    [
      { repository: "o/r", accountId: "123456789012", repo: "x" },
      "github.json: repo is not a known field of the delivery file",
    ],
  ])("%j is rejected with file, field, value and rule", (content, message) => {
    const errors = loadGithubDelivery(write(content)).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  test("a rejected delivery file stops synth with its message", () => {
    const result = synthesizeApp({
      outdir: join(root, "bad"),
      githubDeliveryFile: write({ repository: "x", accountId: "123456789012" }),
    });
    expect(result.ok).toBe(false);
    expect(result.errors.join("\n")).toContain("github.json: repository");
  });

  test("no delivery file: no GitHub roles", () => {
    const result = synthesizeApp({
      outdir: join(root, "none"),
      githubDeliveryFile: join(root, "missing.json"),
    });
    const doc = JSON.parse(
      readFileSync(join(result.outdir, "stacks", "state-bootstrap", "cdk.tf.json"), "utf8"),
    ) as SynthJson;
    expect(doc.resource!.aws_iam_role).toBeUndefined();
    expect(doc.resource!.aws_iam_openid_connect_provider).toBeUndefined();
  });

  test("a GitHub environment of another name is the sub claim", () => {
    const file = write({
      repository: "acme/infra",
      accountId: "123456789012",
      githubEnvironments: { prod: "production" },
    });
    const result = synthesizeApp({ outdir: join(root, "renamed"), githubDeliveryFile: file });
    const doc = readFileSync(join(result.outdir, "stacks", "state-bootstrap", "cdk.tf.json"), "utf8");
    expect(doc).toContain("repo:acme/infra:environment:production");
    expect(doc).toContain("repo:acme/infra:environment:dev");
  });
});
