/**
 * Shared types and helpers for every module in this repository.
 *
 * Modules wire each other through the small interfaces below (a role, a
 * readable secret, database credentials), never through name strings, so a
 * permission or a connection cannot be forgotten.
 */
import type { Grant } from "./iam";

/** Tags applied to every taggable resource a module creates. */
export type Tags = Readonly<Record<string, string>>;

/** Properties every module takes. */
export interface BaseProps {
  /**
   * Name prefix for the resources of this module (e.g. `hr-chatbot`).
   * Lower-case letters, digits and hyphens, starting with a letter.
   */
  readonly name: string;
  /**
   * Tags for every taggable resource of the module (merged over the
   * provider's default tags).
   * @default {}
   */
  readonly tags?: Tags;
}

/** An IAM role another module can grant permissions to. `IamRole` satisfies it. */
export interface RoleRef {
  /** The role's name (used to attach inline policies). */
  readonly name: string;
  /** The role's ARN. */
  readonly arn: string;
}

/** A Secrets Manager secret that can grant read access to a role. */
export interface ReadableSecret {
  /** The secret's ARN. */
  readonly arn: string;
  /** The secret's name, as the application looks it up (e.g. `hr-chatbot/database`). */
  readonly name: string;
  /**
   * Allow `role` to read this secret: `secretsmanager:GetSecretValue` and
   * `secretsmanager:DescribeSecret` on exactly this secret's ARN, plus
   * `kms:Decrypt` on its customer key when it has one.
   * @returns the grant, whose `policy` callers put in `dependsOn` of whatever
   *   must wait for the permission
   */
  grantRead(role: RoleRef): Grant;
}

/** Where a database cluster can be reached. */
export interface DatabaseEndpoint {
  /** Writer endpoint host name. */
  readonly host: string;
  /** Port the cluster listens on. */
  readonly port: number;
  /** Name of the initial database. */
  readonly database: string;
}

/** A secret whose value a role can be allowed to write (at apply time, outside Terraform). */
export interface WritableSecret extends ReadableSecret {
  /**
   * Allow `role` to write the secret's value (`secretsmanager:PutSecretValue`)
   * and to read the current one, plus the KMS permissions that takes.
   * @returns the grant, whose `policy` callers put in `dependsOn` of whatever
   *   writes the value
   */
  grantWrite(role: RoleRef): Grant;
}

/**
 * A database cluster whose master password the database service keeps in its
 * own secret (`manage_master_user_password`): its connection details and that
 * secret, which holds `{username, password}` only.
 */
export interface ManagedMasterDatabase {
  /** Writer endpoint, port and initial database. */
  readonly connection: DatabaseEndpoint;
  /** The master user secret the database service manages. */
  readonly masterUserSecret: ReadableSecret;
  /** The master user name. */
  readonly masterUsername: string;
}

/** Error raised for invalid module input, before Terraform runs. */
export class ConfigError extends Error {
  constructor(
    /** Dotted path of the offending field, e.g. `network.subnets[1].cidr`. */
    public readonly field: string,
    /** The offending value. */
    public readonly value: unknown,
    /** The rule it breaks. */
    public readonly rule: string,
  ) {
    super(`${field} ${formatValue(value)} ${rule}`);
    this.name = "ConfigError";
  }
}

/** Render a value for an error message. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "(unset)";
  return JSON.stringify(value) ?? String(value);
}

/** Throw a {@link ConfigError} naming the field, the value and the rule. */
export function fail(field: string, value: unknown, rule: string): never {
  throw new ConfigError(field, value, rule);
}

const NAME_RE = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;

/** Validate a module `name` prefix: 2-40 chars, lower-case letters, digits, hyphens, starting with a letter. */
export function validateName(field: string, value: string): string {
  if (!NAME_RE.test(value) || value.includes("--")) {
    fail(field, value, "must be 2-40 lower-case letters, digits or single hyphens, starting with a letter");
  }
  return value;
}

/** Check an integer lies in [min, max]. */
export function validateIntRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(field, value, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Merge module tags with a `Name` tag. */
export function withName(tags: Tags | undefined, name: string): Record<string, string> {
  return { ...(tags ?? {}), Name: name };
}
