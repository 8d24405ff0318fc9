/**
 * jest global setup: installs the pinned tools the suites run (checkov for
 * plan review, moto for the emulator scenario, actionlint and zizmor for the
 * workflows) into .venv when they are missing, so `npm test` on a fresh
 * machine runs every suite. The installers are idempotent: an installed
 * pinned version costs a version check each.
 *
 * A failed install does not stop the run: it is recorded in
 * PINNED_TOOLS_INSTALL_ERRORS (inherited by the test workers), and the suite
 * that needs the tool fails with that message.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const REPO = resolve(__dirname, "..");

/** The installers, by tool. */
export const PINNED_TOOL_INSTALLERS: Readonly<Record<string, string>> = {
  checkov: join("tools", "policy", "install-checkov.sh"),
  moto: join("tools", "emulator", "install-moto.sh"),
  "actionlint and zizmor": join("tools", "workflows", "install-linters.sh"),
};

export default function installPinnedTools(): void {
  const errors: string[] = [];
  for (const [tool, script] of Object.entries(PINNED_TOOL_INSTALLERS)) {
    const started = Date.now();
    const run = spawnSync("bash", [join(REPO, script)], { cwd: REPO, encoding: "utf8" });
    const output = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
    if (run.status === 0) {
      if (Date.now() - started > 5000) console.log(`\n${output}`);
    } else {
      const why = run.error ? run.error.message : `exit ${run.status}`;
      errors.push(`${tool}: bash ${script} failed (${why}): ${output.split("\n").slice(-5).join(" | ")}`);
    }
  }
  if (errors.length) {
    console.error(`\n*** PINNED TOOLS NOT INSTALLED ***\n${errors.join("\n")}\n`);
    process.env.PINNED_TOOLS_INSTALL_ERRORS = errors.join("\n");
  }
}
