/**
 * Checks of the GitHub delivery roles the state bootstrap stack applies: the
 * OIDC provider for token.actions.githubusercontent.com, and every role's
 * path, trust policy (provider, aud, exact sub) and inline policies equal to
 * what was synthesized, read back through the AWS SDK's IAM client.
 *
 * The emulator stores and returns IAM documents; it does not evaluate them
 * (no AssumeRoleWithWebIdentity against a real GitHub token here), so what
 * is checked is that the roles exist exactly as designed.
 */
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import type { TfJson } from "../offline-plan/standins";
import { Checks, type AwsClients } from "./checks";

/** An IAM document as IAM returns it (URL-encoded JSON) or as plain JSON. */
export function parseIamDocument(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(decodeURIComponent(text));
  }
}

/** A JSON value with every object's keys sorted: IAM returns documents with its own key order. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

/** What the synthesized stack says the roles are: name -> path, trust, inline policies. */
export interface ExpectedGithubRole {
  readonly name: string;
  readonly path: string;
  readonly trust: unknown;
  readonly policies: Readonly<Record<string, unknown>>;
}

/**
 * The GitHub roles of a synthesized bootstrap stack, with Terraform's `$${`
 * escapes undone and the provider ARN reference left as `providerArn`.
 */
export function expectedGithubRoles(doc: TfJson, providerArn: string): ExpectedGithubRole[] {
  const roles = (doc.resource?.aws_iam_role ?? {}) as Record<string, Record<string, unknown>>;
  const policies = (doc.resource?.aws_iam_role_policy ?? {}) as Record<string, Record<string, unknown>>;
  const unescape = (s: string) =>
    s.replace(/\$\{aws_iam_openid_connect_provider\.[^}]+\.arn\}/g, providerArn).replace(/\$\$\{/g, "${");
  return Object.entries(roles)
    .filter(([, r]) => String(r.path ?? "").startsWith("/github-actions/"))
    .map(([key, r]) => {
      const own = Object.values(policies).filter((p) => p.role === `\${aws_iam_role.${key}.name}`);
      return {
        name: String(r.name),
        path: String(r.path),
        trust: JSON.parse(unescape(String(r.assume_role_policy))),
        policies: Object.fromEntries(
          own.map((p) => [String(p.name), JSON.parse(unescape(String(p.policy)))]),
        ),
      };
    });
}

/** Compare the applied provider and roles with the synthesized bootstrap stack. */
export async function checkGithubRoles(clients: AwsClients, doc: TfJson): Promise<Checks> {
  const c = new Checks();
  const iam = clients.iam;
  await c.guard("GitHub OIDC provider and roles", async () => {
    const list = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    const arns = (list.OpenIDConnectProviderList ?? []).map((p) => p.Arn ?? "");
    const github = arns.filter((a) => a.endsWith(":oidc-provider/token.actions.githubusercontent.com"));
    if (!c.eq("one OIDC provider for token.actions.githubusercontent.com", github.length, 1)) return;
    const provider = await iam.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: github[0] }),
    );
    c.eq("OIDC provider audience", provider.ClientIDList, ["sts.amazonaws.com"]);
    c.that(
      "OIDC provider URL",
      (provider.Url ?? "").replace(/^https:\/\//, "") === "token.actions.githubusercontent.com",
      provider.Url ?? "(none)",
    );
    const expected = expectedGithubRoles(doc, github[0]);
    c.that("GitHub roles synthesized", expected.length > 0, expected.map((r) => r.name).join(", "));
    for (const want of expected) {
      const role = (await iam.send(new GetRoleCommand({ RoleName: want.name }))).Role;
      c.eq(`${want.name} path`, role?.Path, want.path);
      c.eq(
        `${want.name} trust policy (provider, aud, exact sub)`,
        canonical(parseIamDocument(role?.AssumeRolePolicyDocument)),
        canonical(want.trust),
      );
      const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: want.name }))).PolicyNames ?? [];
      c.eq(`${want.name} inline policies`, [...names].sort(), Object.keys(want.policies).sort());
      for (const name of names) {
        const p = await iam.send(new GetRolePolicyCommand({ RoleName: want.name, PolicyName: name }));
        c.eq(
          `${want.name} policy ${name} as synthesized`,
          canonical(parseIamDocument(p.PolicyDocument)),
          canonical(want.policies[name]),
        );
      }
    }
  });
  return c;
}
