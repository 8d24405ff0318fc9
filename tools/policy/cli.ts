/**
 * Policy review from the command line.
 *
 *   npx tsx tools/policy/cli.ts <plan.json>... [--env-file stacks/environments/dev.json]
 *       [--fail-on critical|high|medium|low] [--checkov] [--checkov-enforce] [--json]
 *
 * Exit status: 0 when every plan passes, 1 when a plan has an unexcepted
 * finding at or above --fail-on (default: the environment's policy.failOn,
 * else high) or, with --checkov-enforce, an unskipped checkov failure;
 * 2 for bad usage or input (not a plan, invalid environment file, checkov
 * missing).
 */
import { parseArgs } from "node:util";
import { loadEnvironmentFile, reviewPlanFile, SEVERITIES, type Review, type Severity } from "./index";

const USAGE = `usage: npx tsx tools/policy/cli.ts <plan.json>... [options]

Reviews Terraform plans (terraform show -json output) against the project's policy rules.

options:
  --env-file FILE     environment file (.json or .ts): name, production, database.publiclyAccessible,
                      security.developerCidrs, tags, policy.exceptions, policy.checkovSkips
  --fail-on SEVERITY  lowest severity that fails: critical, high, medium, low (default: the
                      environment's policy.failOn, else high)
  --checkov           also run checkov on each plan (install: bash tools/policy/install-checkov.sh)
  --checkov-enforce   run checkov and fail on unskipped checkov failures
  --json              print the results as JSON instead of text
  -h, --help          show this help

exit status: 0 pass, 1 policy failures, 2 usage or input error`;

/** Where the CLI writes. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const consoleIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

/** Run the CLI with `argv` (without node and script); returns the exit status. */
export async function main(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        "env-file": { type: "string" },
        "fail-on": { type: "string" },
        checkov: { type: "boolean", default: false },
        "checkov-enforce": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    io.err(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    io.err(`no plan file given\n\n${USAGE}`);
    return 2;
  }
  const failOn = values["fail-on"];
  if (failOn !== undefined && !(SEVERITIES as readonly string[]).includes(failOn)) {
    io.err(`--fail-on ${failOn} is not one of ${SEVERITIES.join(", ")}`);
    return 2;
  }

  const reviews: Review[] = [];
  try {
    const environment = values["env-file"] ? await loadEnvironmentFile(values["env-file"]) : undefined;
    for (const planPath of positionals) {
      reviews.push(
        reviewPlanFile(planPath, {
          environment,
          failOn: failOn as Severity | undefined,
          checkov: values.checkov || values["checkov-enforce"],
          enforceCheckov: values["checkov-enforce"],
        }),
      );
    }
  } catch (e) {
    io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }

  if (values.json) {
    io.out(
      JSON.stringify(
        reviews.map(({ planPath, result, checkov, ok }) => ({ planPath, ok, result, checkov })),
        null,
        2,
      ),
    );
  } else {
    io.out(reviews.map((r) => r.report).join("\n\n"));
  }
  return reviews.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
