import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CheckovError,
  checkovArgs,
  checkovEnv,
  formatCheckovReport,
  parseCheckovOutput,
  runCheckov,
} from "./checkov";

const fixtures = join(__dirname, "fixtures");
const output = readFileSync(join(fixtures, "checkov-output.json"), "utf8");
const fake = [process.execPath, join(fixtures, "fake-checkov.mjs")];

describe("parseCheckovOutput", () => {
  it("reads failed checks, the summary and the version", () => {
    const r = parseCheckovOutput(output);
    expect(r.version).toBe("3.3.30");
    expect(r.passed).toBe(69);
    expect(r.resourceCount).toBe(27);
    expect(r.failed.map((f) => `${f.id} ${f.resource}`)).toEqual([
      "CKV_AWS_158 aws_cloudwatch_log_group.api-logs",
      "CKV_AWS_338 aws_cloudwatch_log_group.api-logs",
      "CKV_AWS_158 aws_cloudwatch_log_group.fn-logs",
      "CKV_AWS_338 aws_cloudwatch_log_group.fn-logs",
      "CKV_AWS_139 aws_rds_cluster.cluster",
      "CKV2_AWS_57 aws_secretsmanager_secret.db-secret",
    ]);
    expect(r.failed[0].name).toBe("Ensure that CloudWatch Log Group is encrypted by KMS");
  });

  it("applies resource-scoped skips with their reason", () => {
    const r = parseCheckovOutput(output, [
      {
        id: "CKV_AWS_338",
        resource: "aws_cloudwatch_log_group.fn-logs",
        reason: "30 days is enough for Lambda logs",
      },
    ]);
    expect(r.failed).toHaveLength(5);
    expect(r.skipped).toEqual([
      expect.objectContaining({
        id: "CKV_AWS_338",
        resource: "aws_cloudwatch_log_group.fn-logs",
        reason: "30 days is enough for Lambda logs",
      }),
    ]);
  });

  it("reads the summary-only output of an empty scan and a list of reports", () => {
    const empty =
      '{"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0, "checkov_version": "3.3.30"}';
    expect(parseCheckovOutput(empty)).toEqual({
      version: "3.3.30",
      passed: 0,
      failed: [],
      skipped: [],
      resourceCount: 0,
    });
    const list = `[${output}, ${output}]`;
    expect(parseCheckovOutput(list).failed).toHaveLength(12);
    expect(() => parseCheckovOutput("Traceback")).toThrow(CheckovError);
  });
});

describe("runCheckov", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "checkov-test-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs checkov offline on the plan with the global skips, without platform credentials", () => {
    const record = join(dir, "record.json");
    process.env.FAKE_CHECKOV_RECORD = record;
    process.env.BC_API_KEY = "must-not-reach-checkov";
    try {
      const r = runCheckov({
        planPath: "plan.json",
        command: fake,
        skips: [
          { id: "CKV_AWS_158", reason: "log groups use the AWS owned key" },
          { id: "CKV_AWS_139", resource: "aws_rds_cluster.cluster", reason: "dev cluster is disposable" },
        ],
      });
      const seen = JSON.parse(readFileSync(record, "utf8")) as { args: string[]; env: string[] };
      expect(seen.args).toEqual([
        "-f",
        "plan.json",
        "--framework",
        "terraform_plan",
        "-o",
        "json",
        "--quiet",
        "--skip-download",
        "--skip-check",
        "CKV_AWS_158",
      ]);
      expect(seen.env).not.toContain("BC_API_KEY");
      expect(r.skippedIds).toEqual(["CKV_AWS_158"]);
      // The fake ignores --skip-check; its CKV_AWS_158 results are filtered afterwards like resource-scoped skips.
      expect(r.failed.map((f) => f.id)).toEqual(["CKV_AWS_338", "CKV_AWS_338", "CKV2_AWS_57"]);
      expect(r.skipped.map((s) => s.id)).toEqual(["CKV_AWS_158", "CKV_AWS_158", "CKV_AWS_139"]);
      expect(formatCheckovReport(r)).toContain(
        "checkov 3.3.30: 27 resources, 69 passed, 3 failed, 3 skipped",
      );
    } finally {
      delete process.env.FAKE_CHECKOV_RECORD;
      delete process.env.BC_API_KEY;
    }
  });

  it("explains a missing checkov and a crash", () => {
    expect(() => runCheckov({ planPath: "plan.json", command: [join(dir, "no-checkov")] })).toThrow(
      `checkov not found at ${join(dir, "no-checkov")}: run bash tools/policy/install-checkov.sh`,
    );
    process.env.FAKE_CHECKOV_MODE = "crash";
    try {
      expect(() => runCheckov({ planPath: "plan.json", command: fake })).toThrow(
        /checkov exited with 2: .*RuntimeError: parser failed/s,
      );
    } finally {
      delete process.env.FAKE_CHECKOV_MODE;
    }
  });

  it("builds arguments and environment", () => {
    expect(checkovArgs("p.json", [])).not.toContain("--skip-check");
    expect(checkovEnv({ PATH: "/bin", BC_API_KEY: "x", PRISMA_API_URL: "y", CKV_FRAMEWORK: "all" })).toEqual({
      PATH: "/bin",
      LOG_LEVEL: "WARNING",
    });
  });
});
