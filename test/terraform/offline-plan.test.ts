/**
 * Every shipped stack passes `terraform validate` and an offline `terraform plan`
 * (local backend, placeholder credentials, provider from the machine's mirror,
 * random resources as announced stand-ins).
 *
 * Without a terraform binary or the provider mirror this suite fails with
 * what is missing; it never reports itself skipped.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeApp } from "../../stacks/app";
import { planAll, standInNotice } from "../../tools/offline-plan/run";
import { findProviderMirror, findTerraform } from "../../tools/offline-plan/terraform";
import type { StackPlanResult } from "../../tools/offline-plan/offline-plan";
import { reviewPlans } from "../../tools/offline-plan/review";
import { loadEnvironments } from "../../stacks/config/load";
import {
  REPLACEMENT_FIXTURE,
  craftReplacement,
  fixtureFile,
  trimPlan,
} from "../../tools/plan-comment/fixtures";
import { commentMarker, renderPlanComment, type PlanJson } from "../../tools/plan-comment/render";

const terraform = findTerraform();
const mirror = findProviderMirror();
const available = Boolean(terraform && mirror);

if (!available) {
  const why = !terraform ? "no terraform binary on PATH" : "no provider mirror (set TF_PROVIDER_MIRROR)";
  test("terraform and the provider mirror are available", () => {
    throw new Error(`offline Terraform check cannot run: ${why} (see README "Offline Terraform")`);
  });
} else {
  describe("offline terraform plan of every shipped stack", () => {
    const root = mkdtempSync(join(tmpdir(), "offline-plan-"));
    const lines: string[] = [];
    let stacks: string[] = [];
    let results: StackPlanResult[] = [];

    beforeAll(async () => {
      const synth = synthesizeApp({ outdir: join(root, "cdktf.out"), environmentsDir: undefined });
      if (!synth.ok) throw new Error(synth.errors.join("\n"));
      stacks = synth.stacks;
      results = await planAll({
        synthDir: synth.outdir,
        outDir: join(root, "plans"),
        log: (l) => lines.push(l),
      });
      console.log(lines.join("\n"));
    }, 240_000);

    it("synthesizes at least the dev, prod and state bootstrap stacks", () => {
      expect(stacks).toEqual(expect.arrayContaining(["dev", "prod", "state-bootstrap"]));
      expect(results.map((r) => r.stack).sort()).toEqual([...stacks].sort());
    });

    it("validates and plans every stack", () => {
      for (const r of results) {
        expect({ stack: r.stack, error: r.error }).toEqual({ stack: r.stack, error: undefined });
        expect(r.ok).toBe(true);
      }
    });

    it("saves the binary plan and its JSON for every stack", () => {
      for (const r of results) {
        const plan = JSON.parse(readFileSync(r.planJsonFile!, "utf8")) as {
          format_version: string;
          resource_changes: unknown[];
        };
        expect(plan.format_version).toMatch(/^1\./);
        expect(plan.resource_changes.length).toBeGreaterThan(0);
        expect(r.summary!.totals.create).toBe(plan.resource_changes.length);
        expect(r.summary!.totals.delete + r.summary!.totals.replace + r.summary!.totals.update).toBe(0);
      }
    });

    it("every shipped plan passes the project's policy rules", () => {
      const reviews = reviewPlans(results, loadEnvironments().environments, { checkov: false });
      expect(reviews.map((r) => r.stack).sort()).toEqual([...stacks].sort());
      for (const { stack, review } of reviews) {
        expect({
          stack,
          failed: review.result.failed.map((f) => `${f.rule} ${f.address}: ${f.message}`),
        }).toEqual({
          stack,
          failed: [],
        });
        expect(review.result.passedRules.length).toBeGreaterThanOrEqual(10);
      }
    });

    it("the plan-comment fixtures are these plans (regenerate: npx tsx tools/plan-comment/regenerate-fixtures.ts)", () => {
      const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as PlanJson;
      for (const r of results) {
        const plan = read(r.planJsonFile!);
        expect({ stack: r.stack, plan: trimPlan(plan) }).toEqual({
          stack: r.stack,
          plan: read(fixtureFile(r.stack)),
        });
        const md = renderPlanComment({ stack: r.stack, plan });
        expect(md.startsWith(commentMarker(r.stack))).toBe(true);
        expect(md).toContain(`**${r.summary!.totals.create} to create, 0 to update`);
        if (r.stack === "dev") expect(craftReplacement(plan)).toEqual(read(REPLACEMENT_FIXTURE));
      }
    });

    it("announces the random stand-ins of the environment stacks", () => {
      const dev = results.find((r) => r.stack === "dev")!;
      expect(dev.standIns.map((s) => s.original)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^random_password\./),
          expect.stringMatching(/^random_bytes\./),
        ]),
      );
      expect(lines.join("\n")).toContain("dev: NOTE hashicorp/random cannot be installed offline");
      expect(standInNotice(dev)).toContain("terraform_data stand-ins");
    });
  });
}
