/**
 * Production is protected from destroy at plan time: with a prod state that
 * holds the cluster and its instances, `terraform plan -destroy` is refused
 * (prevent_destroy) before anything is deleted; synthesized with
 * ALLOW_PRODUCTION_DESTROY=prod, the same destroy plans.
 *
 * The state is written by hand (no AWS here): the resources' addresses and
 * ids, which is all a destroy plan with -refresh=false reads.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeApp } from "../../stacks/app";
import { prepareScratch } from "../../tools/offline-plan/offline-plan";
import {
  findProviderMirror,
  findTerraform,
  runTerraform,
  terraformEnv,
  writeCliConfig,
} from "../../tools/offline-plan/terraform";

const terraform = findTerraform();
const mirror = findProviderMirror();

const AWS = 'provider["registry.terraform.io/hashicorp/aws"]';

/** A state holding every aws_rds_cluster, aws_rds_cluster_instance and aws_kms_key of the stack. */
function stateOf(doc: { resource: Record<string, Record<string, Record<string, unknown>>> }): string {
  const resources = ["aws_rds_cluster", "aws_rds_cluster_instance", "aws_kms_key"].flatMap((type) =>
    Object.entries(doc.resource[type] ?? {}).map(([name, r]) => {
      const id = String(r.cluster_identifier ?? r.identifier ?? `key-${name}`);
      return {
        mode: "managed",
        type,
        name,
        provider: AWS,
        instances: [{ schema_version: 0, attributes: { id }, sensitive_attributes: [] }],
      };
    }),
  );
  return JSON.stringify({
    version: 4,
    terraform_version: "1.11.4",
    serial: 1,
    lineage: "00000000-0000-4000-8000-000000000001",
    outputs: {},
    resources,
  });
}

async function destroyPlan(allowProductionDestroy: string | undefined) {
  const root = mkdtempSync(join(tmpdir(), "prod-destroy-"));
  const synth = synthesizeApp({ outdir: join(root, "cdktf.out"), allowProductionDestroy });
  if (!synth.ok) throw new Error(synth.errors.join("\n"));
  const work = join(root, "work");
  prepareScratch(join(synth.outdir, "stacks", "prod"), work);
  const doc = JSON.parse(
    // the scratch copy, as terraform reads it
    readFileSync(join(work, "cdk.tf.json"), "utf8"),
  ) as Parameters<typeof stateOf>[0];
  writeFileSync(join(work, "terraform.tfstate"), stateOf(doc));
  const env = terraformEnv({ TF_CLI_CONFIG_FILE: writeCliConfig(root, mirror!) });
  const init = await runTerraform(terraform!, ["init", "-input=false", "-no-color"], work, env);
  if (init.code !== 0) throw new Error(init.stderr || init.stdout);
  const plan = await runTerraform(
    terraform!,
    ["plan", "-destroy", "-input=false", "-no-color", "-lock=false", "-refresh=false"],
    work,
    env,
  );
  return { ...plan, notices: synth.notices, text: plan.stdout + plan.stderr };
}

if (!terraform || !mirror) {
  test("terraform and the provider mirror are available", () => {
    throw new Error(
      `prod destroy check cannot run: ${!terraform ? "no terraform binary on PATH" : "no provider mirror (set TF_PROVIDER_MIRROR)"}`,
    );
  });
} else {
  describe("terraform plan -destroy of prod", () => {
    it("is refused before anything is deleted: prevent_destroy on the cluster, instances and key", async () => {
      const plan = await destroyPlan(undefined);
      expect(plan.code).not.toBe(0);
      expect(plan.text).toMatch(/Instance cannot be destroyed/);
      // terraform names the first protected resource it meets (the key, the cluster or an instance)
      expect(plan.text).toMatch(
        /Resource aws_(rds_cluster|rds_cluster_instance|kms_key)\.\S+ has lifecycle\.prevent_destroy set/,
      );
      expect(plan.notices).toEqual([]);
    }, 180_000);

    it("plans with ALLOW_PRODUCTION_DESTROY=prod, which synth announces", async () => {
      const plan = await destroyPlan("prod");
      expect(plan.text).not.toMatch(/Instance cannot be destroyed/);
      expect(plan.code).toBe(0);
      expect(plan.text).toMatch(/aws_rds_cluster\.database_cluster_[0-9A-F]+ will be destroyed/);
      expect(plan.notices.join("\n")).toMatch(/ALLOW_PRODUCTION_DESTROY names this production environment/);
    }, 180_000);
  });
}
