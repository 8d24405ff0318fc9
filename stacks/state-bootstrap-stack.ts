/**
 * The state bootstrap stack: creates the hardened S3 bucket every other stack
 * keeps its state in, and the IAM policy deploy roles need to use it.
 *
 * Chicken and egg: on the first apply the bucket does not exist, so this stack
 * keeps its own state in a local file (`backend: "local"`). Once the bucket
 * exists, synthesize with `backend: "s3"` and run `terraform init
 * -migrate-state` in `cdktf.out/stacks/<id>`: the stack's own state moves to
 * `<project>/bootstrap/state-bootstrap.tfstate` in the bucket it created.
 */
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Tags, fail, validateName } from "../modules/core";
import { validateRegion } from "../modules/core/regions";
import { configureBackend } from "../modules/backend";
import { StateBucket, StateKmsKey } from "../modules/state-bucket";
import { partitionOf } from "../modules/compute/compute";
import { GithubActionsRole, GithubOidcProvider, stateObjectStatements } from "../modules/github-oidc";
import { deployStatements, planStatements, type DeliveryScope } from "./delivery-permissions";

/** One environment whose stack GitHub Actions deploys with a role of its own. */
export interface GithubDeployTarget {
  /** Environment name (the stack name). */
  readonly name: string;
  /** GitHub environment whose jobs may assume the deploy role (`sub` claim). */
  readonly githubEnvironment: string;
  /** Region the environment deploys to. */
  readonly region: string;
  /** The environment's state key in this stack's bucket. */
  readonly stateKey: string;
}

/** GitHub Actions delivery roles of {@link StateBootstrapStack}. */
export interface GithubDeliveryProps {
  /** The one repository (`<owner>/<name>`) whose workflows may assume the roles. */
  readonly repository: string;
  /** The 12-digit account the roles and the environments' resources live in. */
  readonly accountId: string;
  /** The account's existing GitHub OIDC provider. @default one is created */
  readonly existingProviderArn?: string;
  /** Create the read-only plan role for pull requests (and pushes to `mainBranch`). @default true */
  readonly pullRequestPlanRole?: boolean;
  /**
   * Branch whose push workflow plans with the plan role before the gated
   * apply (`repo:<owner>/<repo>:ref:refs/heads/<branch>`).
   * @default "main"
   */
  readonly mainBranch?: string;
  /** One deploy role per environment. */
  readonly environments: readonly GithubDeployTarget[];
}

/** IAM path of the delivery roles (denied to the deploy roles themselves). */
export const DELIVERY_ROLE_PATH = "/github-actions/";

/** Properties of {@link StateBootstrapStack}. */
export interface StateBootstrapStackProps {
  /** Project name: resource name prefix and first segment of every state key (e.g. `hr-chatbot`). */
  readonly project: string;
  /** Region of the state bucket (e.g. `ap-northeast-1`). */
  readonly region: string;
  /** Globally unique name of the state bucket. */
  readonly bucketName: string;
  /**
   * Customer managed KMS key ARN for the bucket's default encryption.
   * @default SSE-S3 (AES256)
   */
  readonly kmsKeyArn?: string;
  /** Tags for every resource (the AWS provider's default tags). */
  readonly tags: Tags;
  /**
   * AWS accounts this stack may deploy to (the aws provider's
   * `allowed_account_ids`): the accounts of the environments whose state
   * lives in the bucket.
   * @default any account
   */
  readonly allowedAccountIds?: readonly string[];
  /**
   * Key prefixes of the environments whose state lives in the bucket
   * (`<keyPrefix>/<environment>`): the deploy policy grants each of them and
   * the bootstrap's own `<project>/bootstrap`, nothing else.
   * @default `[project]` (every key under the project)
   */
  readonly stateKeyPrefixes?: readonly string[];
  /**
   * Aliases (`alias/<name>`) of customer managed KMS keys this stack creates
   * for environments whose `backend.kmsKeyId` names them; the deploy policy
   * may use them.
   * @default no state keys
   */
  readonly stateKmsKeyAliases?: readonly string[];
  /**
   * Where this stack keeps its own state: `local` for the first apply (the
   * bucket does not exist yet), `s3` once it does (then migrate with
   * `terraform init -migrate-state`).
   * @default "local"
   */
  readonly backend?: "local" | "s3";
  /**
   * GitHub OIDC provider and deploy roles for the environments whose state
   * lives in this bucket (see docs/delivery.md).
   * @default no GitHub roles
   */
  readonly github?: GithubDeliveryProps;
}

/** Environment segment of the bootstrap stack's own state key. */
export const BOOTSTRAP_ENVIRONMENT = "bootstrap";
/** Stack segment of the bootstrap stack's own state key. */
export const BOOTSTRAP_STATE_NAME = "state-bootstrap";

/** Creates the Terraform state bucket and its deploy policy. */
export class StateBootstrapStack extends TerraformStack {
  /** The state bucket construct. */
  public readonly stateBucket: StateBucket;
  /** The KMS keys made for `stateKmsKeyAliases`, in that order. */
  public readonly stateKmsKeys: readonly StateKmsKey[];

  constructor(scope: Construct, id: string, props: StateBootstrapStackProps) {
    super(scope, id);

    const project = validateName("project", props.project);
    const region = validateRegion("region", props.region);
    const backend = props.backend ?? "local";
    if (backend !== "local" && backend !== "s3") fail("backend", backend, 'must be "local" or "s3"');

    new AwsProvider(this, "aws", {
      region,
      ...(props.allowedAccountIds?.length ? { allowedAccountIds: [...props.allowedAccountIds] } : {}),
      defaultTags: [{ tags: { ...props.tags } }],
    });

    this.stateKmsKeys = (props.stateKmsKeyAliases ?? []).map(
      (alias) =>
        new StateKmsKey(this, `state-key-${alias.slice("alias/".length).replace(/\//g, "-")}`, {
          name: project,
          aliasName: alias,
        }),
    );
    this.stateBucket = new StateBucket(this, "state", {
      name: project,
      bucketName: props.bucketName,
      kmsKeyArn: props.kmsKeyArn,
      stateKeyPrefixes: props.stateKeyPrefixes && [
        ...props.stateKeyPrefixes,
        `${project}/${BOOTSTRAP_ENVIRONMENT}`,
      ],
      stateKmsKeyArns: this.stateKmsKeys.map((k) => k.arn),
    });

    if (backend === "s3") {
      configureBackend(
        this,
        { type: "s3", bucket: props.bucketName, region, keyPrefix: project },
        { project, environment: BOOTSTRAP_ENVIRONMENT, stackName: BOOTSTRAP_STATE_NAME },
      );
    } else {
      configureBackend(
        this,
        { type: "local" },
        { project, environment: BOOTSTRAP_ENVIRONMENT, stackName: id },
      );
    }

    new TerraformOutput(this, "bucket_name", {
      value: this.stateBucket.bucketName,
      description: "State bucket: set it as backend.bucket in every environment file",
    });
    new TerraformOutput(this, "bucket_arn", { value: this.stateBucket.bucketArn });
    new TerraformOutput(this, "deploy_policy_arn", {
      value: this.stateBucket.deployPolicyArn,
      description: "Attach to the roles that run Terraform for this project",
    });
    new TerraformOutput(this, "deploy_policy_json", { value: this.stateBucket.deployPolicyJson });
    for (const key of this.stateKmsKeys) {
      new TerraformOutput(this, `${key.node.id}_arn`, {
        value: key.arn,
        description: `KMS key ${key.aliasName} of the state objects whose backend.kmsKeyId names it`,
      });
    }

    if (props.github) this.githubRoles(project, props.bucketName, props.tags, props.github);
  }

  private githubRoles(project: string, bucket: string, tags: Tags, github: GithubDeliveryProps): void {
    const provider = new GithubOidcProvider(this, "github-oidc", {
      existingProviderArn: github.existingProviderArn,
      tags,
    });
    // A literal account id: the documents are known at plan time, so the
    // policy review and checkov read them; a precondition on every role
    // checks that the provider is in that account.
    const account = github.accountId;
    const scope = (region: string): DeliveryScope => ({
      partition: partitionOf(region),
      region,
      account,
      project,
      rolePath: DELIVERY_ROLE_PATH,
    });
    const document = (statements: Record<string, unknown>[]) =>
      JSON.stringify({ Version: "2012-10-17", Statement: statements });
    const roleArns: Record<string, string> = {};
    for (const env of github.environments) {
      const s = scope(env.region);
      const role = new GithubActionsRole(this, `github-deploy-${env.name}`, {
        providerArn: provider.arn,
        repository: github.repository,
        subject: { environment: env.githubEnvironment },
        roleName: `github-deploy-${project}-${env.name}`,
        path: DELIVERY_ROLE_PATH,
        accountId: account,
        description: `GitHub Actions deploys ${project} ${env.name} (state ${env.stateKey})`,
        policies: {
          "terraform-state": document(
            stateObjectStatements({
              partition: s.partition,
              bucket,
              keys: [env.stateKey],
              access: "readwrite",
            }),
          ),
          deploy: document(deployStatements(s)),
        },
        tags,
      });
      roleArns[env.name] = role.arn;
    }
    if (github.pullRequestPlanRole ?? true) {
      const regions = [...new Set(github.environments.map((e) => e.region))];
      const s = scope(regions[0] ?? "us-east-1");
      const role = new GithubActionsRole(this, "github-plan", {
        providerArn: provider.arn,
        repository: github.repository,
        subject: [{ pullRequest: true }, { branch: github.mainBranch ?? "main" }],
        roleName: `github-plan-${project}`,
        path: DELIVERY_ROLE_PATH,
        accountId: account,
        description: `GitHub Actions plans ${project} on pull requests and on ${github.mainBranch ?? "main"} (read only, state read without lock)`,
        policies: {
          "terraform-state": document(
            stateObjectStatements({
              partition: s.partition,
              bucket,
              keys: github.environments.map((e) => e.stateKey),
              access: "read",
            }),
          ),
          // Sids must be unique within a policy: numbered when there are several regions
          plan: document(
            regions.flatMap((r, i) =>
              planStatements(scope(r)).map((st) =>
                regions.length > 1 ? { ...st, Sid: `${String(st.Sid)}${i + 1}` } : st,
              ),
            ),
          ),
        },
        tags,
      });
      roleArns["pull-requests"] = role.arn;
    }
    new TerraformOutput(this, "github_oidc_provider_arn", { value: provider.arn });
    new TerraformOutput(this, "github_role_arns", {
      value: roleArns,
      description: "role-to-assume per GitHub environment (and pull-requests for plans)",
    });
  }
}
