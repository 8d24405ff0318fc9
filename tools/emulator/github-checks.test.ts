import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeApp } from "../../stacks/app";
import type { TfJson } from "../offline-plan/standins";
import { canonical, expectedGithubRoles, parseIamDocument } from "./github-checks";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

describe("what the emulator checks compare the GitHub roles with", () => {
  const out = synthesizeApp({ outdir: join(mkdtempSync(join(tmpdir(), "gh-checks-")), "out") }).outdir;
  const doc = JSON.parse(
    readFileSync(join(out, "stacks", "state-bootstrap", "cdk.tf.json"), "utf8"),
  ) as TfJson;
  const roles = expectedGithubRoles(doc, PROVIDER);

  it("every GitHub role of the synthesized stack, with its inline policies by name", () => {
    expect(roles.map((r) => [r.name, Object.keys(r.policies).sort()])).toEqual([
      ["github-deploy-hr-chatbot-dev", ["deploy", "terraform-state"]],
      ["github-deploy-hr-chatbot-prod", ["deploy", "terraform-state"]],
      ["github-plan-hr-chatbot", ["plan", "terraform-state"]],
    ]);
  });

  it("the trust policy names the provider ARN in place of the Terraform reference", () => {
    const trust = roles[0].trust as { Statement: { Principal: { Federated: string } }[] };
    expect(trust.Statement[0].Principal.Federated).toBe(PROVIDER);
    expect(JSON.stringify(roles)).not.toContain("${");
  });

  it("canonical order and IAM's URL-encoded documents compare equal to the synthesized ones", () => {
    const policy = roles[0].policies.deploy;
    const reordered = JSON.parse(JSON.stringify(canonical(policy))) as unknown;
    expect(JSON.stringify(canonical(reordered))).toBe(JSON.stringify(canonical(policy)));
    expect(parseIamDocument(encodeURIComponent(JSON.stringify(policy)))).toEqual(policy);
    expect(JSON.stringify(canonical({ b: 1, a: [{ d: 1, c: 2 }] }))).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});
