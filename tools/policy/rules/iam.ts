/**
 * IAM rules: no wildcard permissions on sensitive services, no broad AWS managed policies.
 */
import { Unknown } from "../template";
import type { PlanView, ResourceView } from "../plan";
import type { Finding, Rule } from "../types";
import { asList, finding, isPending, isUnset, noteUnknown, type RuleInfo } from "./util";

/** Services whose wildcard grants are never acceptable here. */
export const SENSITIVE_SERVICES: readonly string[] = ["secretsmanager", "kms", "bedrock", "iam"];

/** Resource types holding an identity policy document in `policy`. */
const POLICY_TYPES = ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"];

/** A policy document found in the plan. */
interface PolicySource {
  readonly resource: ResourceView;
  /** `policy` or `inline_policy[0].policy`. */
  readonly where: string;
  readonly value: unknown;
}

function policySources(plan: PlanView): PolicySource[] {
  const out: PolicySource[] = [];
  for (const r of plan.resources(...POLICY_TYPES))
    out.push({ resource: r, where: "policy", value: r.get("policy") });
  for (const r of plan.resources("aws_iam_role")) {
    const inline = r.get("inline_policy");
    if (isPending(inline)) {
      out.push({ resource: r, where: "inline_policy", value: inline });
      continue;
    }
    asList(inline).forEach((b, i) => {
      const policy = (b as Record<string, unknown> | null)?.policy;
      if (!isUnset(policy) && policy !== "")
        out.push({ resource: r, where: `inline_policy[${i}].policy`, value: policy });
    });
  }
  return out;
}

/**
 * The policy document: parsed JSON when the value is known, the structure of
 * the configured JSON document when only its references are unknown.
 */
function documentOf(value: unknown): { doc: unknown } | { problem: string } | undefined {
  if (isUnset(value)) return undefined;
  if (typeof value === "string") {
    try {
      return { doc: JSON.parse(value) };
    } catch {
      return { problem: "is not valid JSON" };
    }
  }
  if (value instanceof Unknown && value.document !== undefined) return { doc: value.document };
  if (value instanceof Unknown)
    return { problem: "is only known after apply and its configuration could not be read" };
  return { doc: value };
}

function isWildcardResource(resource: string): boolean {
  if (resource === "*") return true;
  // arn:aws:secretsmanager:*:*:secret:*, arn:aws:kms:ap-northeast-1:123456789012:key/*, ...
  return /^arn:[^:]*:[^:]*:[^:]*:[^:]*:([A-Za-z-]+[:/])?\*$/.test(resource);
}

function serviceOf(action: string): string {
  return action.includes(":") ? action.slice(0, action.indexOf(":")).toLowerCase() : action.toLowerCase();
}

function statementFindings(rule: RuleInfo, plan: PlanView, src: PolicySource, doc: unknown): Finding[] {
  const out: Finding[] = [];
  const at = src.where;
  const record = doc as Record<string, unknown> | null;
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    plan.note(rule.id, src.resource.address, `${at} is not a policy document object; not checked`);
    return out;
  }
  const statements = asList(record.Statement);
  statements.forEach((st, i) => {
    const where = `${at} Statement[${i}]`;
    if (st instanceof Unknown || st === null || typeof st !== "object" || Array.isArray(st)) {
      plan.note(rule.id, src.resource.address, `${where} is only known after apply; not checked`);
      return;
    }
    const s = st as Record<string, unknown>;
    if (s.Effect === "Deny") return;
    if (s.NotAction !== undefined) {
      out.push(
        finding(rule, src.resource, `${where} allows NotAction, i.e. every action except the ones listed`),
      );
    }
    if (s.NotResource !== undefined) {
      out.push(
        finding(
          rule,
          src.resource,
          `${where} allows NotResource, i.e. every resource except the ones listed`,
        ),
      );
    }
    const actions = asList(s.Action);
    const sensitive: string[] = [];
    for (const a of actions) {
      if (typeof a !== "string") {
        plan.note(
          rule.id,
          src.resource.address,
          `${where} has an action that is only known after apply; not checked`,
        );
        continue;
      }
      const service = serviceOf(a);
      if (a === "*" || a === "*:*") {
        out.push(finding(rule, src.resource, `${where} allows Action "${a}" (every AWS action)`));
        sensitive.push(a);
      } else if (SENSITIVE_SERVICES.includes(service)) {
        sensitive.push(a);
        if (a.slice(service.length + 1) === "*") {
          out.push(
            finding(
              rule,
              src.resource,
              `${where} allows Action "${a}" (every ${service} action); list the actions needed`,
            ),
          );
        }
      }
    }
    if (sensitive.length === 0) return;
    for (const res of asList(s.Resource)) {
      if (typeof res === "string" && isWildcardResource(res)) {
        out.push(
          finding(
            rule,
            src.resource,
            `${where} allows ${sensitive.join(", ")} on Resource "${res}"; scope it to the ARNs of the ` +
              "secrets, keys or models actually used",
          ),
        );
      }
    }
  });
  return out;
}

/** HRC-IAM-001: no wildcard actions or resources for sensitive services. */
export const noWildcardPolicies: Rule = {
  id: "HRC-IAM-001",
  severity: "critical",
  title: 'IAM policies grant no "*" actions and no "*" resources for secretsmanager, kms, bedrock or iam',
  rationale:
    'A role with secretsmanager:* or Resource "*" can read every secret in the account, not just the ' +
    "two this application needs; kms:* and iam:* are privilege escalation paths. Least privilege " +
    "means listed actions on listed ARNs (secret.grantRead(role) does exactly that). Policies whose " +
    "resource ARNs are only known after apply are read from the configuration's JSON document " +
    "(its ${...} references left unknown), so the check works on offline plans too.",
  check(plan) {
    const out: Finding[] = [];
    for (const src of policySources(plan)) {
      const d = documentOf(src.value);
      if (d === undefined) continue;
      if ("problem" in d) {
        if (isPending(src.value)) noteUnknown(plan, this, src.resource, src.where, src.value);
        else plan.note(this.id, src.resource.address, `${src.where} ${d.problem}; not checked`);
        continue;
      }
      out.push(...statementFindings(this, plan, src, d.doc));
    }
    return out;
  },
};

/** AWS managed policies that grant far more than this application needs. */
const BROAD_MANAGED =
  /^(AdministratorAccess|PowerUserAccess|IAMFullAccess|SecretsManagerReadWrite|AWSKeyManagementServicePowerUser|.*FullAccess(V\d+)?)$/;

/** HRC-IAM-002: no broad AWS managed policies attached. */
export const noBroadManagedPolicies: Rule = {
  id: "HRC-IAM-002",
  severity: "high",
  title: "No broad AWS managed policies (AdministratorAccess, *FullAccess, SecretsManagerReadWrite) attached",
  rationale:
    "The manual deployment attached SecretsManagerReadWrite and AmazonBedrockFullAccess to the Lambda " +
    "role; they allow reading and changing every secret and every Bedrock resource in the account. " +
    "Narrow service-role policies such as AWSLambdaVPCAccessExecutionRole are fine.",
  check(plan) {
    const out: Finding[] = [];
    const arns: { r: ResourceView; arn: unknown }[] = [];
    for (const r of plan.resources(
      "aws_iam_role_policy_attachment",
      "aws_iam_policy_attachment",
      "aws_iam_user_policy_attachment",
      "aws_iam_group_policy_attachment",
    )) {
      arns.push({ r, arn: r.get("policy_arn") });
    }
    for (const r of plan.resources("aws_iam_role")) {
      const managed = r.get("managed_policy_arns");
      (isPending(managed) ? [managed] : asList(managed)).forEach((arn) => arns.push({ r, arn }));
    }
    for (const r of plan.resources("aws_iam_role_policy_attachments_exclusive")) {
      asList(r.get("policy_arns")).forEach((arn) => arns.push({ r, arn }));
    }
    for (const { r, arn } of arns) {
      if (typeof arn !== "string") continue; // a reference to a policy created here: checked by HRC-IAM-001
      const m = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
      if (m && BROAD_MANAGED.test(m[1])) {
        out.push(
          finding(
            this,
            r,
            `attaches AWS managed policy ${m[1]}; grant only the actions and resources needed ` +
              "(e.g. secret.grantRead(role), a policy scoped to the model ARNs)",
          ),
        );
      }
    }
    return out;
  },
};
