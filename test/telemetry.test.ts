/**
 * The documented commands make no outside call: every npm script that runs
 * cdktf sets CHECKPOINT_DISABLE=1, and the README runs cdktf only through them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};

describe("telemetry", () => {
  it.each(Object.entries(pkg.scripts).filter(([, cmd]) => /^(CHECKPOINT_DISABLE=1 )?cdktf\b/.test(cmd)))(
    "npm run %s sets CHECKPOINT_DISABLE=1",
    (_name, cmd) => expect(cmd).toMatch(/^CHECKPOINT_DISABLE=1 cdktf\b/),
  );

  it("plan, deploy and destroy exist as scripts", () => {
    for (const s of ["plan", "deploy", "destroy", "synth"])
      expect(pkg.scripts[s]).toMatch(/CHECKPOINT_DISABLE=1/);
  });

  it("the README's commands use the scripts, not a bare npx cdktf", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).join("\n");
    expect(blocks).not.toMatch(/npx cdktf/);
    expect(blocks).toMatch(/npm run deploy -- dev/);
  });

  it("cdktf.json turns crash reports off", () => {
    const cdktf = JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")) as { sendCrashReports: string };
    expect(cdktf.sendCrashReports).toBe("false");
  });
});
