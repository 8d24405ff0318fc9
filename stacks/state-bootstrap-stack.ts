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
import { StateBucket } from "../modules/state-bucket";

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
   * Where this stack keeps its own state: `local` for the first apply (the
   * bucket does not exist yet), `s3` once it does (then migrate with
   * `terraform init -migrate-state`).
   * @default "local"
   */
  readonly backend?: "local" | "s3";
}

/** Environment segment of the bootstrap stack's own state key. */
export const BOOTSTRAP_ENVIRONMENT = "bootstrap";
/** Stack segment of the bootstrap stack's own state key. */
export const BOOTSTRAP_STATE_NAME = "state-bootstrap";

/** Creates the Terraform state bucket and its deploy policy. */
export class StateBootstrapStack extends TerraformStack {
  /** The state bucket construct. */
  public readonly stateBucket: StateBucket;

  constructor(scope: Construct, id: string, props: StateBootstrapStackProps) {
    super(scope, id);

    const project = validateName("project", props.project);
    const region = validateRegion("region", props.region);
    const backend = props.backend ?? "local";
    if (backend !== "local" && backend !== "s3") fail("backend", backend, 'must be "local" or "s3"');

    new AwsProvider(this, "aws", { region, defaultTags: [{ tags: { ...props.tags } }] });

    this.stateBucket = new StateBucket(this, "state", {
      name: project,
      bucketName: props.bucketName,
      kmsKeyArn: props.kmsKeyArn,
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
  }
}
