/**
 * End-to-end deploy against a local AWS emulator (moto on 127.0.0.1) with the
 * real aws provider and the real S3 backend: apply the state bootstrap stack
 * and the dev stack, check what exists through the AWS SDK, a no-op replan,
 * state locking, destroy, and the state object's versions.
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
  runScenario,
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
  describe("end-to-end deploy of dev against the local AWS emulator", () => {
    const workDir = mkdtempSync(join(tmpdir(), "emulator-e2e-"));
    const lines: string[] = [];
    let moto: MotoServer | undefined;
    let result: ScenarioResult;

    const step = (id: StepId): StepReport => {
      const s = result.steps.find((x) => x.id === id);
      if (!s) throw new Error(`step ${id} did not run:\n${lines.join("\n")}`);
      return s;
    };
    /** The step passed; on failure the message lists the failed checks and the error. */
    const passed = (id: StepId) => {
      const s = step(id);
      expect({ step: id, failed: s.checks.filter((c) => !c.ok), error: s.error }).toEqual({
        step: id,
        failed: [],
        error: undefined,
      });
      expect(s.ok).toBe(true);
      return s;
    };

    beforeAll(async () => {
      moto = await startMoto({ logDir: workDir });
      lines.push(
        `emulator: moto on ${moto.endpoint} (pid ${moto.pid}), up in ${moto.startSeconds.toFixed(1)} s`,
      );
      try {
        result = await runScenario({ moto, workDir, environment: "dev", log: (l) => lines.push(l) });
      } finally {
        console.log(lines.join("\n"));
      }
      // a guard against a hung apply, not a speed target: the step times are printed above
    }, 900_000);

    afterAll(async () => {
      await moto?.stop();
      // keep the scratch folder (synth output, scratch copies, moto.log) of a failed run for a look
      if (result?.ok) rmSync(workDir, { recursive: true, force: true });
      else console.warn(`emulator scenario scratch folder kept: ${workDir}`);
    }, 15_000);

    it("runs the pinned moto on 127.0.0.1 only", () => {
      expect(motoVersion(findMotoServer()!)).toBe(MOTO_VERSION);
      expect(result.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it("a. applies the state bootstrap stack: a versioned, encrypted, private state bucket", () => {
      passed("a");
      expect(result.counts.bootstrap).toBeGreaterThanOrEqual(8);
      expect(step("a").checks.length).toBeGreaterThanOrEqual(6);
    });

    it("a. applies the GitHub OIDC provider and the delivery roles exactly as synthesized", () => {
      const names = passed("a").checks.map((x) => x.name);
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

    it("b. applies dev with the S3 backend in that bucket", () => {
      passed("b");
      expect(result.counts.applied).toBeGreaterThan(40);
    });

    it("c. what exists matches the environment file", () => {
      const c = passed("c");
      const names = c.checks.map((x) => x.name).join("\n");
      for (const what of [
        "vpc enableDnsHostnames",
        "subnets (cidr, az)",
        "endpoint group ingress",
        "database group ingress",
        "cluster serverless v2 scaling",
        "secret hr-chatbot/database keys",
        "secret hr-chatbot/app-secrets algorithm",
        "function environment",
        "api routes",
        "vpc endpoint services",
      ]) {
        expect(names).toContain(what);
      }
    });

    it("d. a second plan reports no changes", () => {
      expect(step("d").summary).toMatch(/dev: exit 0, 0 changes/);
      passed("d");
    });

    it("e. a plan fails while another process holds the state lock, and the state is unchanged", () => {
      const e = passed("e");
      expect(e.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          "plan reports the lock error and the holder's lock ID",
          "state object unchanged (ETag, version)",
        ]),
      );
    });

    it("f. destroy leaves nothing behind; secrets wait out their recovery window", () => {
      passed("f");
      expect(result.counts.destroyed).toBe(result.counts.applied);
    });

    it("g. keeps every state version in the bucket", () => {
      passed("g");
      expect(result.counts.stateVersions).toBeGreaterThanOrEqual(3);
    });

    it("announces the random stand-ins and every emulator workaround", () => {
      const output = lines.join("\n");
      expect(result.standIns.dev.map((s) => s.original)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^random_password\./),
          expect.stringMatching(/^random_bytes\./),
        ]),
      );
      expect(output).toContain("dev: NOTE hashicorp/random cannot be installed here");
      const all = Object.values(result.workarounds).flat();
      expect(all.map((w) => `${w.kind} ${w.resource.split(".")[0]}`)).toEqual(
        expect.arrayContaining(["stand-in aws_lambda_invocation"]),
      );
      for (const w of all) expect(output).toContain(`EMULATOR WORKAROUND ${w.kind} ${w.resource}`);
      for (const note of EMULATOR_NOTES) expect(output).toContain(note);
    });
  });
}
