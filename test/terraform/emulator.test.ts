/**
 * End-to-end deploy against a local AWS emulator (moto on 127.0.0.1) with the
 * real aws provider and the real S3 backend: the state bootstrap stack, then
 * dev, prod and dev-lowcost (database access through the Data API)
 * concurrently, each in an emulator account of its own: apply (migrations,
 * the application role and its secrets by the real db-bootstrap package
 * against PGlite), SDK checks, no secret value in the state, a no-op replan;
 * for dev state locking, destroy, the state versions, a redeploy and a second
 * destroy; for dev-lowcost a destroy; for prod a refused destroy and the
 * override; a copy of dev in dev's account (name isolation); empty accounts.
 *
 * moto comes from `bash tools/emulator/install-moto.sh`, which the terraform
 * project's global setup runs when moto is missing: a moto that is still
 * missing fails the suite. So does a missing terraform binary or provider
 * mirror (which npm cannot install): the suite never reports itself skipped.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  EMULATOR_NOTES,
  findMotoServer,
  motoVersion,
  MOTO_VERSION,
  startMoto,
  type MotoServer,
} from "../../tools/emulator/moto";
import {
  runScenarios,
  scenarioPrerequisites,
  type ScenarioResult,
  type StepId,
  type StepReport,
} from "../../tools/emulator/scenario";

const missing = scenarioPrerequisites(findMotoServer);

if (!findMotoServer()) {
  // npm test installs moto itself (test/install-pinned-tools.ts): missing means that failed
  test("the emulator scenario can run: moto is installed", () => {
    throw new Error(
      "end-to-end emulator scenario cannot run: moto is not installed (bash tools/emulator/install-moto.sh)" +
        (process.env.PINNED_TOOLS_INSTALL_ERRORS ? `\n${process.env.PINNED_TOOLS_INSTALL_ERRORS}` : ""),
    );
  });
} else if (missing) {
  test("the emulator scenario can run: terraform and the provider mirror are installed", () => {
    throw new Error(`end-to-end emulator scenario cannot run: ${missing} (see README "Offline Terraform")`);
  });
} else {
  describe("end-to-end deploy of dev, prod, dev-lowcost (and a copy of dev) against the local AWS emulator", () => {
    const workDir = mkdtempSync(join(tmpdir(), "emulator-e2e-"));
    const lines: string[] = [];
    let moto: MotoServer | undefined;
    let result: ScenarioResult;

    const step = (env: string, id: StepId): StepReport => {
      const s = result.steps.find((x) => x.env === env && x.id === id);
      if (!s) throw new Error(`step ${env} ${id} did not run:\n${lines.join("\n")}`);
      return s;
    };
    /** The step passed; on failure the message lists the failed checks and the error. */
    const passed = (env: string, id: StepId) => {
      const s = step(env, id);
      expect({ env, step: id, failed: s.checks.filter((c) => !c.ok), error: s.error }).toEqual({
        env,
        step: id,
        failed: [],
        error: undefined,
      });
      expect(s.ok).toBe(true);
      return s;
    };
    /** One named check of a step passed. */
    const checkPassed = (env: string, id: StepId, name: string) => {
      const c = step(env, id).checks.find((x) => x.name === name);
      expect({ env, step: id, name, check: c }).toEqual({
        env,
        step: id,
        name,
        check: expect.objectContaining({ ok: true }),
      });
    };

    beforeAll(async () => {
      moto = await startMoto({ logDir: workDir });
      lines.push(
        `emulator: moto on ${moto.endpoint} (pid ${moto.pid}), up in ${moto.startSeconds.toFixed(1)} s`,
      );
      try {
        result = await runScenarios({
          moto,
          workDir,
          environments: ["dev", "prod", "dev-lowcost"],
          shortLanes: ["dev-lowcost"],
          isolationCopyOf: "dev",
          concurrency: 5,
          log: (l) => lines.push(l),
        });
      } finally {
        console.log(lines.join("\n"));
      }
      // a guard against a hung apply, not a speed target: the step times are printed above
    }, 1_200_000);

    afterAll(async () => {
      await moto?.stop();
      // keep the scratch folder (synth output, scratch copies, moto.log) of a failed run for a look
      if (result?.ok) rmSync(workDir, { recursive: true, force: true });
      else console.warn(`emulator scenario scratch folder kept: ${workDir}`);
    }, 30_000);

    it("runs the pinned moto on 127.0.0.1 only; each environment in an account of its own", () => {
      expect(motoVersion(findMotoServer()!)).toBe(MOTO_VERSION);
      expect(result.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(new Set([result.accounts.dev, result.accounts.prod, result.accounts["dev-lowcost"]]).size).toBe(
        3,
      );
      expect(result.accounts["dev-copy"]).toBe(result.accounts.dev);
    });

    it("a. applies the state bootstrap stack: a versioned, encrypted, private state bucket", () => {
      passed("*", "a");
      expect(result.counts.bootstrap).toBeGreaterThanOrEqual(8);
      expect(step("*", "a").checks.length).toBeGreaterThanOrEqual(6);
      passed("*", "d");
    });

    it("a. applies the GitHub OIDC provider and the delivery roles exactly as synthesized", () => {
      const names = passed("*", "a").checks.map((x) => x.name);
      expect(names).toEqual(
        expect.arrayContaining([
          "one OIDC provider for token.actions.githubusercontent.com",
          "OIDC provider audience",
          "github-deploy-hr-chatbot-dev trust policy (provider, aud, exact sub)",
          "github-deploy-hr-chatbot-prod trust policy (provider, aud, exact sub)",
          "github-plan-hr-chatbot trust policy (provider, aud, exact sub)",
          "github-deploy-hr-chatbot-dev policy deploy as synthesized",
          "github-deploy-hr-chatbot-dev policy terraform-state as synthesized",
        ]),
      );
    });

    /** The name prefix of each environment's secrets (dev keeps the project's own). */
    const prefix: Record<string, string> = {
      dev: "hr-chatbot",
      prod: "hr-chatbot-prod",
      "dev-lowcost": "hr-chatbot-dev-lowcost",
    };

    describe.each(["dev", "prod", "dev-lowcost"])("%s", (env) => {
      it("b. applies with the S3 backend in the state bucket", () => {
        passed(env, "b");
        expect(result.counts.lanes[env].applied).toBeGreaterThan(40);
      });

      it("c. what exists matches the environment file", () => {
        const c = passed(env, "c");
        const names = c.checks.map((x) => x.name).join("\n");
        for (const what of [
          "vpc enableDnsHostnames",
          "subnets (cidr, az)",
          "endpoint group ingress",
          "database group ingress",
          "cluster serverless v2 scaling",
          "cluster master user secret managed by RDS",
          `secret ${prefix[env]}/database keys`,
          `secret ${prefix[env]}/app-secrets algorithm`,
          "function environment",
          "api routes",
          "vpc endpoint services",
        ]) {
          expect(names).toContain(what);
        }
      });

      it("c. the bootstrap invocation ran the real db-bootstrap package against PGlite and wrote the secrets", () => {
        checkPassed(env, "c", "migrations ran (the db-bootstrap package, locally, against PGlite)");
        checkPassed(env, "c", `secret ${prefix[env]}/database keys`);
        checkPassed(env, "c", `secret ${prefix[env]}/database connection details (the application role)`);
        checkPassed(env, "c", `secret ${prefix[env]}/database username is not the master user`);
        checkPassed(env, "c", `secret ${prefix[env]}/app-secrets keys`);
        checkPassed(env, "c", `secret ${prefix[env]}/app-secrets secret_key`);
      });

      it("c. the state file holds none of the secret values read back from Secrets Manager", () => {
        const name =
          "the state file holds no secret value (master password, application password, signing key)";
        checkPassed(env, "c", name);
        // all three values were read back and looked for
        expect(step(env, "c").checks.find((x) => x.name === name)?.detail).toMatch(/^0 of 3 values /);
      });

      it("d. a second plan reports no changes", () => {
        expect(step(env, "d").summary).toMatch(/exit 0, 0 changes/);
        passed(env, "d");
      });
    });

    it("prod c. rotates the database secret on its schedule with the rotation function", () => {
      checkPassed("prod", "c", "secret hr-chatbot-prod/database rotation (enabled, function, days)");
      expect(
        step("prod", "c").checks.find((x) => x.name.endsWith("rotation (enabled, function, days)"))?.detail,
      ).toMatch(/^\[true,"hr-chatbot-prod-secret-rotation",30\]$/);
      checkPassed("dev", "c", "secret hr-chatbot/database rotation (enabled, function, days)");
    });

    it("dev-lowcost c. data-api: no interface endpoint, the functions outside the VPC", () => {
      checkPassed(
        "dev-lowcost",
        "c",
        "data-api: the cluster's Data API is enabled (enable_http_endpoint in the stack)",
      );
      checkPassed("dev-lowcost", "c", "data-api: no aws_vpc_endpoint planned or applied");
      checkPassed("dev-lowcost", "c", "data-api: no function has vpc_config");
      checkPassed("dev-lowcost", "c", "function subnets");
      checkPassed("dev-lowcost", "c", "vpc endpoint services");
    });

    it("dev-lowcost f. destroy leaves nothing of dev-lowcost behind", () => {
      passed("dev-lowcost", "f");
      expect(result.counts.lanes["dev-lowcost"].destroyed).toBe(result.counts.lanes["dev-lowcost"].applied);
    });

    it("dev e. a plan fails while another process holds the state lock, and the state is unchanged", () => {
      const e = passed("dev", "e");
      expect(e.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          "plan reports the lock error and the holder's lock ID",
          "state object unchanged (ETag, version)",
        ]),
      );
    });

    it("dev f. destroy leaves nothing of dev behind; its secrets are deleted at once (recovery window 0)", () => {
      passed("dev", "f");
      checkPassed("dev", "f", "secret hr-chatbot/database deleted at once (recovery window 0)");
      checkPassed("dev", "f", "secret hr-chatbot/app-secrets deleted at once (recovery window 0)");
      expect(result.counts.lanes.dev.destroyed).toBe(result.counts.lanes.dev.applied);
    });

    it("dev g. keeps every state version in the bucket", () => {
      passed("dev", "g");
      expect(result.counts.lanes.dev.stateVersions).toBeGreaterThanOrEqual(3);
    });

    it("dev h. applies again into the same state key after destroy", () => {
      passed("dev", "h");
      expect(result.counts.lanes.dev.redeployed).toBe(result.counts.lanes.dev.applied);
    });

    it("dev i. destroys again (also what a failed redeploy created)", () => {
      passed("dev", "i");
    });

    it("prod p. terraform destroy fails and the cluster is still there (deletion protection)", () => {
      checkPassed("prod", "p", "destroy fails");
      checkPassed("prod", "p", "the cluster still exists");
    });

    it("prod p. terraform destroy is refused by the plan and deletes nothing", () => {
      passed("prod", "p");
      checkPassed("prod", "p", "refused by the plan (prevent_destroy) before any deletion");
      checkPassed("prod", "p", "nothing was deleted (state resource count unchanged)");
    });

    it("prod q. the documented override lets destroy remove everything; the final snapshot is taken", () => {
      passed("prod", "q");
    });

    it("dev-copy k. a copy of dev under another name deploys next to dev in the same account", () => {
      const k = passed("dev-copy", "k");
      expect(k.checks[0].name).toBe("dev and dev-copy have distinct physical names");
      checkPassed("dev-copy", "k", "dev-copy applied next to dev");
      checkPassed("dev-copy", "k", "dev-copy destroyed");
      expect(k.checks.length).toBeGreaterThan(40); // the copy and dev checked as in c
    });

    it("z. every account is empty again", () => {
      for (const account of new Set(Object.values(result.accounts))) passed(account, "z");
    });

    it("synthesizes no random resource (no secret is generated by Terraform) and announces every emulator workaround", () => {
      const output = lines.join("\n");
      for (const env of ["dev", "prod", "dev-lowcost", "dev-copy"])
        expect({ env, standIns: result.standIns[env] }).toEqual({ env, standIns: [] });
      expect(output).not.toContain("NOTE hashicorp/random cannot be installed here");
      const all = Object.values(result.workarounds).flat();
      expect(all.map((w) => `${w.kind} ${w.resource.split(".")[0]}`)).toEqual(
        expect.arrayContaining(["stand-in aws_lambda_invocation", "local-run aws_lambda_invocation"]),
      );
      // dev-lowcost's bootstrap package runs its PostgreSQL mode locally: moto's rds-data runs no SQL
      expect(result.workarounds["dev-lowcost"].find((w) => w.kind === "local-run")?.detail).toContain(
        "DB_CLUSTER_ARN left out",
      );
      expect(result.workarounds.dev.find((w) => w.kind === "local-run")?.detail).not.toContain(
        "DB_CLUSTER_ARN",
      );
      for (const w of all) expect(output).toContain(`EMULATOR WORKAROUND ${w.kind} ${w.resource}`);
      for (const note of EMULATOR_NOTES) expect(output).toContain(note);
    });
  });
}
