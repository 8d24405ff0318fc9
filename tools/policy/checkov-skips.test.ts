/**
 * The checkov skips of the environment files and of the state bootstrap stack
 * name resources that exist: a renamed construct changes a resource's address,
 * and a skip scoped to the old address would silently stop matching.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { checkovSkipsTable } from "./skips-table";
import { checkovSkipsSchema, type CheckovSkip } from "../../stacks/config/policy-settings";
import { loadEnvironments } from "../../stacks/config/load";
import { HrChatbotStack } from "../../stacks/hr-chatbot-stack";
import { BOOTSTRAP_POLICY, BOOTSTRAP_STATE_BUCKET_ADDRESS } from "../../stacks/state-bootstrap-policy";
import { StateBootstrapStack } from "../../stacks/state-bootstrap-stack";

type Json = { resource: Record<string, Record<string, unknown>> };

/** Every `type.name` address in a synthesized stack. */
function addresses(json: Json): Set<string> {
  return new Set(
    Object.entries(json.resource).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)),
  );
}

function expectWellFormed(skips: readonly CheckovSkip[], existing: Set<string>): void {
  expect(checkovSkipsSchema.safeParse(skips).success).toBe(true);
  for (const s of skips) {
    if (s.resource !== undefined)
      expect({ ...s, exists: existing.has(s.resource) }).toMatchObject({ exists: true });
  }
  const keys = skips.map((s) => `${s.id} ${s.resource ?? "*"}`);
  expect(new Set(keys).size).toBe(keys.length);
  // a check skipped everywhere needs no resource-scoped skip as well
  const global = new Set(skips.filter((s) => s.resource === undefined).map((s) => s.id));
  expect(skips.filter((s) => s.resource !== undefined && global.has(s.id))).toEqual([]);
}

describe("checkov skips", () => {
  const loaded = loadEnvironments();

  it.each(["dev", "prod"])("%s: every scoped skip names a resource of the stack", (name) => {
    const env = loaded.environments.find((e) => e.config.name === name);
    if (!env) throw new Error(`environment ${name} not loaded: ${loaded.errors.join("; ")}`);
    const stack = new HrChatbotStack(Testing.app(), name, { environment: env.config, baseDir: env.dir });
    const json = JSON.parse(Testing.synth(stack)) as Json;
    const skips = env.config.policy.checkovSkips;
    expect(skips.length).toBeGreaterThan(0);
    expectWellFormed(skips, addresses(json));
  });

  it("state bootstrap: the skips name the state bucket", () => {
    const stack = new StateBootstrapStack(Testing.app(), "state-bootstrap", {
      project: "hr-chatbot",
      region: "ap-northeast-1",
      bucketName: "hr-chatbot-terraform-state-apne1",
      tags: { Project: "hr-chatbot" },
    });
    const existing = addresses(JSON.parse(Testing.synth(stack)) as Json);
    expect(existing.has(BOOTSTRAP_STATE_BUCKET_ADDRESS)).toBe(true);
    const skips = BOOTSTRAP_POLICY.checkovSkips ?? [];
    expect(skips.map((s) => s.id).sort()).toEqual([
      "CKV2_AWS_62",
      "CKV_AWS_144",
      "CKV_AWS_145",
      "CKV_AWS_18",
    ]);
    expectWellFormed(skips, existing);
  });
});

describe("README lists every checkov skip", () => {
  it("the README's table is the one generated from the environment files", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    const block = readme.split("<!-- checkov-skips:start -->\n")[1]?.split("\n<!-- checkov-skips:end -->")[0];
    expect(block).toBe(checkovSkipsTable());
  });
});
