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
import { planAll } from "../../tools/offline-plan/run";
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

    it("no stack generates a value with a random_* resource (nothing to stand in for)", () => {
      for (const r of results) {
        expect({ stack: r.stack, standIns: r.standIns.map((x) => x.original) }).toEqual({
          stack: r.stack,
          standIns: [],
        });
      }
      expect(lines.join("\n")).not.toContain("hashicorp/random cannot be installed offline");
    });

    it("no secret value in any stack's plan JSON: no secret version, master password or random value", () => {
      for (const r of results) {
        const plan = JSON.parse(readFileSync(r.planJsonFile!, "utf8")) as PlanDoc;
        expect({ stack: r.stack, problems: secretProblems(plan) }).toEqual({ stack: r.stack, problems: [] });
      }
      // the scan finds what it looks for
      expect(
        secretProblems({
          resource_changes: [
            {
              address: "aws_secretsmanager_secret_version.v",
              type: "aws_secretsmanager_secret_version",
              change: { after: { secret_string: "{}" } },
            },
          ],
          planned_values: {
            root_module: {
              resources: [
                {
                  address: "aws_rds_cluster.c",
                  type: "aws_rds_cluster",
                  values: { master_password: "x".repeat(16) },
                  sensitive_values: { master_password: true },
                },
              ],
            },
          },
          configuration: {
            root_module: {
              resources: [
                {
                  address: "aws_rds_cluster.c",
                  type: "aws_rds_cluster",
                  expressions: {
                    master_password: { references: ["random_password.p.result", "random_password.p"] },
                    manage_master_user_password: { constant_value: true },
                  },
                },
              ],
            },
          },
        }),
      ).toEqual([
        "aws_secretsmanager_secret_version.v: a secret version (its value would be in the state)",
        "aws_secretsmanager_secret_version.v: after.secret_string holds a value",
        "aws_rds_cluster.c: configuration sets master_password",
        "aws_rds_cluster.c: values.master_password holds a value",
        "aws_rds_cluster.c: sensitive value master_password holds a value",
      ]);
    });

    it.each(["dev", "prod", "dev-lowcost"])(
      "%s plan: the backend role's policies never reach the master user secret; the bootstrap role's do",
      (stack) => {
        // dev keeps the guide's names; other environments are prefixed hr-chatbot-<env>
        const prefix = stack === "dev" ? "hr-chatbot" : `hr-chatbot-${stack}`;
        const r = results.find((x) => x.stack === stack)!;
        const plan = JSON.parse(readFileSync(r.planJsonFile!, "utf8")) as PlanDoc;
        const synthesized = JSON.parse(
          readFileSync(join(root, "cdktf.out", "stacks", stack, "cdk.tf.json"), "utf8"),
        ) as { resource: Record<string, Record<string, Record<string, unknown>>> };
        const access = secretAccessByRole(plan, synthesized);
        const cluster = Object.keys(synthesized.resource.aws_rds_cluster)[0];
        const master = `\${aws_rds_cluster.${cluster}.master_user_secret[0].secret_arn}`;
        const secretArn = (name: string) =>
          `\${aws_secretsmanager_secret.${
            Object.entries(synthesized.resource.aws_secretsmanager_secret).find(
              ([, v]) => v.name === name,
            )![0]
          }.arn}`;
        const appSecrets = [secretArn(`${prefix}/app-secrets`), secretArn(`${prefix}/database`)].sort();

        const backend = access.get(`${prefix}-lambda-role`)!;
        expect(backend.read).toEqual(appSecrets);
        expect(backend.references).not.toContain(`aws_rds_cluster.${cluster}.master_user_secret`);
        expect(backend.write).toEqual([]);

        const boot = access.get(`${prefix}-db-bootstrap-role`)!;
        expect(boot.read).toEqual([master, ...appSecrets].sort());
        expect(boot.references).toContain(`aws_rds_cluster.${cluster}.master_user_secret`);
        expect(boot.write).toEqual(appSecrets);

        // no other role may read the master user secret
        const readers = [...access].filter(([, a]) => a.read.includes(master)).map(([role]) => role);
        expect(readers).toEqual([`${prefix}-db-bootstrap-role`]);
      },
    );
  });
}

/** The parts of `terraform show -json` the secret checks read. */
interface PlanResource {
  address: string;
  type: string;
  values?: Record<string, unknown>;
  sensitive_values?: Record<string, unknown>;
  expressions?: Record<string, { references?: string[]; constant_value?: unknown }>;
  change?: { after?: Record<string, unknown> | null; after_sensitive?: unknown };
}
interface PlanDoc {
  resource_changes?: PlanResource[];
  planned_values?: { root_module?: { resources?: PlanResource[] } };
  configuration?: { root_module?: { resources?: PlanResource[] } };
}

/** Attributes that carry a secret value when they hold a string. */
const SECRET_ATTRIBUTE = /(^|_)(password|secret_string|secret_binary|secret_key|private_key)(_wo)?$/;

/** Every password-ish attribute (at any depth) that holds a string, as `path`. */
function secretStrings(value: unknown, path: string): string[] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const p = Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`;
    if (SECRET_ATTRIBUTE.test(k) && typeof v === "string" && v !== "") return [p.replace(/^\./, "")];
    return secretStrings(v, p);
  });
}

/** Sensitive-marked paths whose value is a string in `values`. */
function sensitiveStrings(marks: unknown, values: unknown, path: string): string[] {
  if (marks === true) return typeof values === "string" && values !== "" ? [path] : [];
  if (marks === null || typeof marks !== "object" || values === null || typeof values !== "object") return [];
  return Object.entries(marks as Record<string, unknown>).flatMap(([k, m]) =>
    sensitiveStrings(m, (values as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
  );
}

/**
 * What in a plan would put a secret value into Terraform's plan or state: a
 * secret version, a `random_*` resource, a password-ish attribute holding a
 * value, or a sensitive-marked value that is a string of a password-ish name.
 */
function secretProblems(plan: PlanDoc): string[] {
  const problems: string[] = [];
  const changes = plan.resource_changes ?? [];
  const planned = plan.planned_values?.root_module?.resources ?? [];
  const configured = plan.configuration?.root_module?.resources ?? [];
  for (const r of [...changes, ...configured]) {
    if (r.type === "aws_secretsmanager_secret_version" && changes.includes(r)) {
      problems.push(`${r.address}: a secret version (its value would be in the state)`);
    }
    if (r.type.startsWith("random_") && changes.includes(r))
      problems.push(`${r.address}: a random_* resource`);
    for (const p of secretStrings(r.change?.after, "after"))
      problems.push(`${r.address}: ${p} holds a value`);
    for (const [k, e] of Object.entries(r.expressions ?? {})) {
      // a string constant or a reference (e.g. to a random value); booleans such as
      // manage_master_user_password = true carry no secret
      const value = typeof e.constant_value === "string" || (e.references ?? []).length > 0;
      if (SECRET_ATTRIBUTE.test(k) && value) problems.push(`${r.address}: configuration sets ${k}`);
    }
  }
  for (const r of planned) {
    for (const p of secretStrings(r.values, "values")) problems.push(`${r.address}: ${p} holds a value`);
    for (const p of sensitiveStrings(r.sensitive_values, r.values, "")) {
      if (p.split(".").some((k) => SECRET_ATTRIBUTE.test(k))) {
        problems.push(`${r.address}: sensitive value ${p} holds a value`);
      }
    }
  }
  return problems;
}

/** Secrets each role may read (GetSecretValue) and write (PutSecretValue), and what its policies reference. */
function secretAccessByRole(
  plan: PlanDoc,
  synthesized: { resource: Record<string, Record<string, Record<string, unknown>>> },
): Map<string, { read: string[]; write: string[]; references: string[] }> {
  // role address -> role name, from the plan's planned values
  const roleNames = new Map(
    (plan.planned_values?.root_module?.resources ?? [])
      .filter((r) => r.type === "aws_iam_role")
      .map((r) => [r.address, String(r.values?.name)]),
  );
  const access = new Map<string, { read: string[]; write: string[]; references: string[] }>();
  for (const r of plan.configuration?.root_module?.resources ?? []) {
    if (r.type !== "aws_iam_role_policy") continue;
    const roleAddress = (r.expressions?.role?.references ?? []).find((a) => roleNames.has(a));
    const role = roleAddress ? roleNames.get(roleAddress)! : String(r.expressions?.role?.constant_value);
    const entry = access.get(role) ?? { read: [], write: [], references: [] };
    entry.references.push(...(r.expressions?.policy?.references ?? []));
    // the policy document itself, as synthesized (its resources are references the plan cannot resolve yet)
    const doc = JSON.parse(
      String(synthesized.resource.aws_iam_role_policy[r.address.split(".")[1]].policy),
    ) as {
      Statement: { Action: string | string[]; Resource: string | string[] }[];
    };
    for (const st of doc.Statement) {
      const actions = ([] as string[]).concat(st.Action);
      const resources = ([] as string[]).concat(st.Resource);
      if (actions.includes("secretsmanager:GetSecretValue")) entry.read.push(...resources);
      if (actions.includes("secretsmanager:PutSecretValue")) entry.write.push(...resources);
    }
    access.set(role, entry);
  }
  for (const entry of access.values()) {
    entry.read = [...new Set(entry.read)].sort();
    entry.write = [...new Set(entry.write)].sort();
  }
  return access;
}
