/**
 * Short-lived AWS credentials for GitHub Actions: the account's OpenID Connect
 * provider for `token.actions.githubusercontent.com` (created, or an existing
 * one brought by ARN) and roles a workflow assumes with
 * `sts:AssumeRoleWithWebIdentity`. Each role's trust requires the token's
 * audience `sts.amazonaws.com` and one exact subject (`StringEquals`, no
 * wildcard): a GitHub environment of one repository, or its pull requests.
 *
 * @see https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
 */
import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { RoleRef, Tags, fail, validateIntRange, withName } from "../core";

/** Host of GitHub's OIDC token issuer; also the prefix of its condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** Audience GitHub's `aws-actions/configure-aws-credentials` requests. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

const REPOSITORY_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const ENVIRONMENT_RE = /^[A-Za-z0-9_.-]{1,255}$/;
const PROVIDER_ARN_RE = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const ROLE_NAME_RE = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const ROLE_PATH_RE = /^\/([A-Za-z0-9+=,.@_-]+\/)*$/;

/**
 * The rule a GitHub repository (`owner/name`) breaks, or `undefined`.
 * Owner: 1-39 letters, digits or hyphens; name: letters, digits, `.`, `_`, `-`.
 */
export function githubRepositoryProblem(value: string): string | undefined {
  if (value.includes("*") || value.includes("?")) return "must name one repository (no wildcard)";
  if (!REPOSITORY_RE.test(value)) return "must be <owner>/<repository> as on github.com";
  return undefined;
}

/**
 * The rule a GitHub environment name breaks, or `undefined`: letters, digits,
 * `_`, `.`, `-`, at most 255 characters, no wildcard (the names the
 * `environment:` of a job may carry and a `sub` claim can match exactly).
 */
export function githubEnvironmentProblem(value: string): string | undefined {
  if (!ENVIRONMENT_RE.test(value)) return "must be 1-255 letters, digits, '_', '.' or '-' (no wildcard)";
  return undefined;
}

/** Who may assume a {@link GithubActionsRole}: the `sub` claim it requires. */
export type GithubSubject =
  /** Jobs with `environment: <name>`: `repo:<owner>/<repo>:environment:<name>`. */
  | { readonly environment: string }
  /** Jobs of `pull_request` workflows: `repo:<owner>/<repo>:pull_request`. */
  | { readonly pullRequest: true }
  /** Jobs without an environment on a push to one branch: `repo:<owner>/<repo>:ref:refs/heads/<branch>`. */
  | { readonly branch: string };

const BRANCH_RE = /^[A-Za-z0-9._/-]{1,255}$/;

/** The exact `sub` claim of `subject` in `repository`. */
export function githubSubjectClaim(repository: string, subject: GithubSubject): string {
  const repoProblem = githubRepositoryProblem(repository);
  if (repoProblem) fail("repository", repository, repoProblem);
  if ("environment" in subject) {
    const envProblem = githubEnvironmentProblem(subject.environment);
    if (envProblem) fail("subject.environment", subject.environment, envProblem);
    return `repo:${repository}:environment:${subject.environment}`;
  }
  if ("branch" in subject) {
    if (!BRANCH_RE.test(subject.branch) || subject.branch.includes(".."))
      fail("subject.branch", subject.branch, "must be a branch name (no wildcard)");
    return `repo:${repository}:ref:refs/heads/${subject.branch}`;
  }
  return `repo:${repository}:pull_request`;
}

/**
 * Trust policy of a role GitHub Actions assumes: the provider as federated
 * principal, `aud` and `sub` matched exactly. A JSON string whose leaves may
 * be tokens (the provider ARN).
 */
export function githubTrustPolicy(
  providerArn: string,
  repository: string,
  subject: GithubSubject | readonly GithubSubject[],
): string {
  const subjects = (Array.isArray(subject) ? subject : [subject]) as readonly GithubSubject[];
  if (subjects.length === 0) fail("subject", subjects, "must name at least one subject");
  const claims = subjects.map((s) => githubSubjectClaim(repository, s));
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GitHubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            // several exact values: StringEquals matches any of them
            [`${GITHUB_OIDC_HOST}:sub`]: claims.length === 1 ? claims[0] : claims,
          },
        },
      },
    ],
  });
}

/** Properties of {@link GithubOidcProvider}. */
export interface GithubOidcProviderProps {
  /**
   * ARN of the account's existing provider for `token.actions.githubusercontent.com`
   * (an account holds at most one provider per URL).
   * @default a new provider is created
   */
  readonly existingProviderArn?: string;
  /** Tags of a created provider. @default {} */
  readonly tags?: Tags;
}

/** The account's OIDC provider for GitHub Actions, created or brought by ARN. */
export class GithubOidcProvider extends Construct {
  /** The provider's ARN (the trust policies' federated principal). */
  public readonly arn: string;
  /** Whether this construct created the provider. */
  public readonly created: boolean;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps = {}) {
    super(scope, id);
    const existing = props.existingProviderArn;
    if (existing !== undefined) {
      if (!Token.isUnresolved(existing) && !PROVIDER_ARN_RE.test(existing)) {
        fail(
          "existingProviderArn",
          existing,
          `must be an IAM OIDC provider ARN arn:<partition>:iam::<account>:oidc-provider/${GITHUB_OIDC_HOST}`,
        );
      }
      this.arn = existing;
      this.created = false;
      return;
    }
    // No thumbprint: IAM trusts GitHub's issuer through its own library of
    // root CAs; the provider schema of aws 5.x accepts an empty list.
    const provider = new IamOpenidConnectProvider(this, "provider", {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: [GITHUB_OIDC_AUDIENCE],
      tags: withName(props.tags, "github-actions"),
    });
    this.arn = provider.arn;
    this.created = true;
  }
}

/** Properties of {@link GithubActionsRole}. */
export interface GithubActionsRoleProps {
  /** ARN of the GitHub OIDC provider ({@link GithubOidcProvider.arn}). */
  readonly providerArn: string;
  /** The one repository whose workflows may assume the role, `<owner>/<name>`. */
  readonly repository: string;
  /** The exact `sub` claim(s): a GitHub environment, pull requests, or a branch. */
  readonly subject: GithubSubject | readonly GithubSubject[];
  /** Role name (1-64 characters of `A-Za-z0-9+=,.@_-`). */
  readonly roleName: string;
  /**
   * IAM path of the role; a path of its own lets other policies deny changes to
   * every delivery role at once (`arn:...:role/<path>*`).
   * @default "/github-actions/"
   */
  readonly path?: string;
  /** Description shown in IAM. @default the subject */
  readonly description?: string;
  /**
   * Inline policies by name: JSON policy documents (leaves may be tokens).
   * @default none
   */
  readonly policies?: Readonly<Record<string, string>>;
  /**
   * Longest session, in seconds (3600-43200).
   * @default 3600
   * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
   */
  readonly maxSessionDurationSeconds?: number;
  /** Tags of the role. @default {} */
  readonly tags?: Tags;
  /**
   * The 12-digit account the role's policies name in their ARNs. The role
   * then requires the provider to be in that account: checked at synth for
   * a literal provider ARN, by a Terraform precondition (at plan) otherwise.
   * @default no check
   */
  readonly accountId?: string;
}

/** A role one repository's workflows assume with a GitHub OIDC token. */
export class GithubActionsRole extends Construct implements RoleRef {
  /** The role's name. */
  public readonly name: string;
  /** The role's ARN (the `role-to-assume` of `aws-actions/configure-aws-credentials`). */
  public readonly arn: string;
  /** The exact `sub` claims the trust policy accepts. */
  public readonly subjectClaims: readonly string[];

  constructor(scope: Construct, id: string, props: GithubActionsRoleProps) {
    super(scope, id);
    if (!ROLE_NAME_RE.test(props.roleName))
      fail("roleName", props.roleName, "must be 1-64 characters of letters, digits and +=,.@_-");
    const path = props.path ?? "/github-actions/";
    if (!ROLE_PATH_RE.test(path) || path.length > 512)
      fail("path", path, "must start and end with '/' (e.g. /github-actions/), at most 512 characters");
    const maxSession = validateIntRange(
      "maxSessionDurationSeconds",
      props.maxSessionDurationSeconds ?? 3600,
      3600,
      43200,
    );
    const subjects = (
      Array.isArray(props.subject) ? props.subject : [props.subject]
    ) as readonly GithubSubject[];
    this.subjectClaims = subjects.map((s) => githubSubjectClaim(props.repository, s));

    const accountId = props.accountId;
    if (accountId !== undefined && !/^\d{12}$/.test(accountId))
      fail("accountId", accountId, "must be a 12-digit AWS account id");
    if (
      accountId !== undefined &&
      !Token.isUnresolved(props.providerArn) &&
      props.providerArn.split(":")[4] !== accountId
    )
      fail(
        "providerArn",
        props.providerArn,
        `must be in account ${accountId}, the account the role's policies name`,
      );
    const providerAccount = Fn.element(Fn.split(":", props.providerArn), 4);
    const role = new IamRole(this, "role", {
      name: props.roleName,
      path,
      description: props.description ?? `GitHub Actions: ${this.subjectClaims.join(", ")}`,
      assumeRolePolicy: githubTrustPolicy(props.providerArn, props.repository, props.subject),
      maxSessionDuration: maxSession,
      tags: withName(props.tags, props.roleName),
      lifecycle:
        accountId !== undefined && Token.isUnresolved(props.providerArn)
          ? {
              precondition: [
                {
                  condition: Op.eq(providerAccount, accountId),
                  errorMessage: `The GitHub OIDC provider is not in account ${accountId}, the account the role's policies name: set accountId to the account you deploy to.`,
                },
              ],
            }
          : undefined,
    });
    for (const [policyName, document] of Object.entries(props.policies ?? {})) {
      new IamRolePolicy(this, `policy-${policyName}`, {
        name: policyName,
        role: role.name,
        policy: document,
      });
    }
    this.name = role.name;
    this.arn = role.arn;
  }
}

/** What a role may do with one Terraform state object in S3. */
export interface StateObjectAccessProps {
  /** ARN partition (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;
  /** State bucket name. */
  readonly bucket: string;
  /** State object keys (`<prefix>/<environment>/<stack>.tfstate`). */
  readonly keys: readonly string[];
  /**
   * `read`: get the state objects (a plan run with `-lock=false`);
   * `readwrite`: also write them and create/delete their `<key>.tflock` lock objects.
   */
  readonly access: "read" | "readwrite";
}

/**
 * IAM statements for Terraform's S3 backend on the given state keys only:
 * list under their folders, get (and for `readwrite` put) the state objects,
 * and for `readwrite` get/put/delete the lock objects `<key>.tflock`.
 * @see https://developer.hashicorp.com/terraform/language/backend/s3#s3-bucket-permissions
 */
export function stateObjectStatements(props: StateObjectAccessProps): Record<string, unknown>[] {
  if (props.keys.length === 0) fail("keys", props.keys, "must list at least one state key");
  for (const key of props.keys) {
    if (!/^[A-Za-z0-9._/-]+\.tfstate$/.test(key) || key.includes("*"))
      fail("keys", key, "must be a literal state key ending in .tfstate");
  }
  const bucketArn = `arn:${props.partition}:s3:::${props.bucket}`;
  const folders = [...new Set(props.keys.map((k) => k.slice(0, k.lastIndexOf("/") + 1)))];
  const statements: Record<string, unknown>[] = [
    {
      Sid: "ListStateFolder",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": folders.map((f) => `${f}*`) } },
    },
    {
      Sid: props.access === "read" ? "ReadState" : "ReadWriteState",
      Effect: "Allow",
      Action: props.access === "read" ? ["s3:GetObject"] : ["s3:GetObject", "s3:PutObject"],
      Resource: props.keys.map((k) => `${bucketArn}/${k}`),
    },
  ];
  if (props.access === "readwrite") {
    statements.push({
      Sid: "StateLockFile",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: props.keys.map((k) => `${bucketArn}/${k}.tflock`),
    });
  }
  return statements;
}
