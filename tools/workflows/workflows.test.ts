/**
 * The GitHub Actions workflows pass actionlint and zizmor (pinned, offline),
 * pin every action by commit SHA, and grant each job only the permissions it
 * uses. `npm test` installs the pinned linters when they are missing (the
 * jest global setup); without them this suite fails with the install command.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { lintWorkflows, lintersMissing, workflowFiles, type WorkflowLint } from "./lint";

const DIR = join(__dirname, "..", "..", ".github", "workflows");
const files = workflowFiles(DIR);
const missing = lintersMissing();

describe("workflow files", () => {
  it("pr, deploy and hcp-terraform exist", () => {
    expect(files.map((f) => basename(f))).toEqual(["deploy.yml", "hcp-terraform.yml", "pr.yml"]);
  });

  it.each(files.map((f) => [basename(f), f]))(
    "%s pins every action by a full commit SHA with its version",
    (_n, f) => {
      const uses = readFileSync(f, "utf8")
        .split("\n")
        .filter((l) => /^\s*(- )?uses:/.test(l));
      expect(uses.length).toBeGreaterThan(0);
      for (const l of uses) expect(l).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    },
  );

  /** Job name -> the job's text. */
  const jobsOf = (text: string): Record<string, string> => {
    const body = text.slice(text.indexOf("\njobs:\n") + 7);
    const out: Record<string, string> = {};
    let name = "";
    for (const line of body.split("\n")) {
      const m = /^ {2}([A-Za-z][\w-]*):$/.exec(line);
      if (m) name = m[1];
      else if (name) out[name] = `${out[name] ?? ""}${line}\n`;
    }
    return out;
  };

  it.each(files.map((f) => [basename(f), f]))(
    "%s: no default permissions; id-token only with AWS credentials, pull-requests only for the comment",
    (_n, f) => {
      const text = readFileSync(f, "utf8");
      expect(text).toMatch(/\npermissions: \{\}\n/);
      const jobs = jobsOf(text);
      expect(Object.keys(jobs).length).toBeGreaterThan(1);
      for (const [name, job] of Object.entries(jobs)) {
        const view = {
          name,
          idToken: job.includes("id-token: write"),
          prWrite: job.includes("pull-requests: write"),
        };
        expect(view).toEqual({
          name,
          idToken: job.includes("aws-actions/configure-aws-credentials@"),
          prWrite: job.includes("marocchino/sticky-pull-request-comment@"),
        });
        expect(job).toMatch(/\n {4}permissions:\n/);
        expect(job).not.toMatch(/write-all|contents: write/);
      }
    },
  );

  it("production applies only behind the prod environment, after dev, from the saved plan", () => {
    const deploy = jobsOf(readFileSync(join(DIR, "deploy.yml"), "utf8"));
    expect(deploy["apply-prod"]).toMatch(/environment: prod\n/);
    expect(deploy["apply-prod"]).toMatch(/needs: \[plan, apply-dev\]/);
    expect(deploy["apply-prod"]).toContain("terraform apply -input=false plan.tfplan");
    expect(deploy["apply-prod"]).not.toContain("terraform plan");
  });
});

if (missing) {
  test("actionlint and zizmor are installed", () => {
    throw new Error(
      `${missing}: run bash tools/workflows/install-linters.sh` +
        (process.env.PINNED_TOOLS_INSTALL_ERRORS ? `\n${process.env.PINNED_TOOLS_INSTALL_ERRORS}` : ""),
    );
  });
} else {
  describe("actionlint and zizmor", () => {
    let result: WorkflowLint;
    beforeAll(async () => {
      result = await lintWorkflows(DIR);
    }, 60_000);

    it("pass on every workflow", () => {
      expect(result.files).toHaveLength(files.length);
      expect({ actionlint: result.actionlint, zizmor: result.zizmorExit }).toEqual({
        actionlint: [],
        zizmor: 0,
      });
      expect(result.zizmorVersion).toBe("zizmor 1.32.0");
    });

    it("find the faults they are there for", async () => {
      const dir = mkdtempSync(join(tmpdir(), "workflows-"));
      writeFileSync(
        join(dir, "bad.yml"),
        [
          "name: bad",
          "on: pull_request_target",
          "permissions: write-all",
          "jobs:",
          "  build:",
          "    runs-on: ubuntu-24.04",
          "    steps:",
          "      - uses: actions/checkout@v4",
          "      - run: echo ${{ github.event.pull_request.title }}",
          "      - run: echo ${{ steps.nope.outputs.x }}",
          "",
        ].join("\n"),
      );
      const bad = await lintWorkflows(dir);
      expect(bad.ok).toBe(false);
      expect(bad.actionlint.join("\n")).toMatch(/property "nope" is not defined/);
      for (const audit of [
        "unpinned-uses",
        "excessive-permissions",
        "template-injection",
        "dangerous-triggers",
      ])
        expect(bad.zizmorOutput).toContain(audit);
    }, 60_000);
  });
}
