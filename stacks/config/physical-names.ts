/**
 * Names that reach AWS, checked on the synthesized stack before anything is
 * written: every physical name against AWS's rules for its resource type
 * (modules/core/aws-names.ts), and no two resources of one stack with the
 * same name. Each problem names the environment field the name comes from.
 */
import { AWS_NAME_RULES, awsNameProblem } from "../../modules/core/aws-names";
import type { Problem } from "./rules";
import { secretNames } from "./rules";
import type { EnvConfig } from "./schema";

/** A name of the synthesized stack: where it is and what it is. */
interface PhysicalName {
  /** `<type>.<attribute>`, a key of AWS_NAME_RULES. */
  readonly key: string;
  /** Terraform address `<type>.<name>`. */
  readonly address: string;
  readonly name: string;
}

/** Names that share one namespace in AWS: a duplicate in one is a conflict at apply. */
function namespaceOf(key: string): string {
  return key === "aws_iam_role_policy.name" ? "" : key;
}

/** Every literal physical name in a synthesized stack (`stack.toTerraform()`). */
export function physicalNames(stackJson: unknown): PhysicalName[] {
  const resources = (stackJson as { resource?: Record<string, Record<string, Record<string, unknown>>> })
    .resource;
  const out: PhysicalName[] = [];
  for (const [type, byId] of Object.entries(resources ?? {})) {
    for (const [id, body] of Object.entries(byId)) {
      for (const key of Object.keys(AWS_NAME_RULES)) {
        const [t, attr] = key.split(".");
        if (t !== type) continue;
        const name = body[attr];
        if (typeof name === "string" && !name.includes("${"))
          out.push({ key, address: `${type}.${id}`, name });
      }
    }
  }
  return out;
}

/** The environment field a physical name comes from. */
function fieldOf(env: EnvConfig, name: string): { path: string; value: unknown } {
  const secrets = secretNames(env);
  if (env.secrets.databaseSecretName && name === secrets.database)
    return { path: "secrets.databaseSecretName", value: name };
  if (env.secrets.appSecretName && name === secrets.app)
    return { path: "secrets.appSecretName", value: name };
  if (env.compute.functionName && name.includes(env.compute.functionName))
    return { path: "compute.functionName", value: env.compute.functionName };
  return { path: "namePrefix", value: env.namePrefix };
}

/** Problems with the physical names of a synthesized stack of `env`. */
export function physicalNameProblems(env: EnvConfig, stackJson: unknown): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, PhysicalName>();
  for (const n of physicalNames(stackJson)) {
    const field = fieldOf(env, n.name);
    const rule = awsNameProblem(n.key, n.name);
    if (rule) problems.push({ ...field, rule: `gives ${n.address} the name "${n.name}", which ${rule}` });
    const ns = namespaceOf(n.key);
    if (!ns) continue;
    const other = seen.get(`${ns}\u0000${n.name}`);
    if (other) {
      problems.push({
        ...field,
        rule: `gives ${n.address} the name "${n.name}", which ${other.address} of the same stack already has (AWS names are unique per account and region)`,
      });
    } else seen.set(`${ns}\u0000${n.name}`, n);
  }
  return problems;
}

/**
 * Names that are not unique per account and region, so two environments may
 * share them: security group names are unique per VPC, HTTP API names are
 * not unique at all, inline policy names per role.
 */
const NOT_ACCOUNT_SCOPED: ReadonlySet<string> = new Set([
  "aws_security_group.name",
  "aws_apigatewayv2_api.name",
  "aws_iam_role_policy.name",
]);

/** The literal names of a synthesized stack that are unique per account (and region). */
export function accountScopedNames(stackJson: unknown): PhysicalName[] {
  return physicalNames(stackJson).filter((n) => !NOT_ACCOUNT_SCOPED.has(n.key));
}

/** IAM names are unique per account in every region at once. */
const isGlobalInAccount = (key: string): boolean => key.startsWith("aws_iam_");

/** One environment's synthesized names, for {@link crossEnvironmentNameProblems}. */
export interface EnvironmentNames {
  /** The environment file as the user gave it. */
  readonly file: string;
  readonly env: EnvConfig;
  /** Its synthesized stack (`resource` blocks). */
  readonly stackJson: unknown;
}

/**
 * Two environment files whose stacks would create the same account-scoped
 * physical name in one account (an account both allow) and one region (any
 * region for IAM names): the second apply fails, or worse, one environment
 * adopts or deletes the other's resource. One problem per pair of files,
 * reported against the later file, naming the other file and every
 * colliding name.
 */
export function crossEnvironmentNameProblems(
  environments: readonly EnvironmentNames[],
): { file: string; env: EnvConfig; problem: Problem }[] {
  const names = environments.map((e) => accountScopedNames(e.stackJson));
  const out: { file: string; env: EnvConfig; problem: Problem }[] = [];
  environments.forEach((b, j) => {
    environments.slice(0, j).forEach((a, i) => {
      const accounts = b.env.allowedAccountIds.filter((id) => a.env.allowedAccountIds.includes(id));
      if (accounts.length === 0) return;
      const sameRegion = a.env.region === b.env.region;
      const taken = new Set(
        names[i].filter((n) => sameRegion || isGlobalInAccount(n.key)).map((n) => `${n.key}\u0000${n.name}`),
      );
      const shared = [
        ...new Set(
          names[j]
            .filter((n) => taken.has(`${n.key}\u0000${n.name}`))
            .map((n) => `${n.key.split(".")[0]} "${n.name}"`),
        ),
      ];
      if (shared.length === 0) return;
      const where = `account ${accounts.join(", ")}${sameRegion ? `, region ${b.env.region}` : " (IAM names are unique in every region)"}`;
      out.push({
        file: b.file,
        env: b.env,
        problem: {
          path: "namePrefix",
          value: b.env.namePrefix,
          rule: `gives names that ${a.file} also gives in ${where}: ${shared.join(", ")} (AWS names are unique per account and region; give each environment its own namePrefix, or allowedAccountIds of its own)`,
        },
      });
    });
  });
  return out;
}
