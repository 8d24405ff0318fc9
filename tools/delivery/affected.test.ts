import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeApp } from "../../stacks/app";
import { affectedStacks } from "./affected";

describe("affected stacks of a pull request", () => {
  const root = mkdtempSync(join(tmpdir(), "affected-"));
  const base = synthesizeApp({ outdir: join(root, "base") }).outdir;
  const head = synthesizeApp({ outdir: join(root, "head") }).outdir;

  it("none when base and head synthesize the same JSON (metadata aside)", () => {
    expect(affectedStacks(base, head)).toEqual([]);
  });

  it("the stack whose JSON changed", () => {
    const file = join(head, "stacks", "prod", "cdk.tf.json");
    const doc = JSON.parse(readFileSync(file, "utf8")) as {
      resource: Record<string, Record<string, { bucket?: string }>>;
    };
    const cluster = Object.values(doc.resource.aws_rds_cluster)[0] as Record<string, unknown>;
    cluster.backup_retention_period = 30;
    writeFileSync(file, JSON.stringify(doc));
    expect(affectedStacks(base, head)).toEqual(["prod"]);
  });

  it("every stack when the base has no synth output", () => {
    expect(affectedStacks(join(root, "missing"), head)).toEqual([
      "dev",
      "dev-lowcost",
      "prod",
      "state-bootstrap",
    ]);
  });

  it("leaves out the stacks an administrator applies (--exclude state-bootstrap)", () => {
    expect(affectedStacks(join(root, "missing"), head, ["state-bootstrap"])).toEqual([
      "dev",
      "dev-lowcost",
      "prod",
    ]);
  });
});
