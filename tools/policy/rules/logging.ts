/**
 * Logging rules: every Lambda function and HTTP API stage logs to a log group with a retention.
 */
import type { PlanView, ResourceView } from "../plan";
import type { Finding, Rule } from "../types";
import { finding, isPending, isUnset, noteUnknown, show, type RuleInfo } from "./util";

const LOG_GROUP = "aws_cloudwatch_log_group";

/** Check retention on the matched log groups. */
function checkRetention(
  rule: RuleInfo,
  plan: PlanView,
  owner: ResourceView,
  groups: ResourceView[],
): Finding[] {
  const out: Finding[] = [];
  for (const g of groups) {
    const days = g.get("retention_in_days");
    if (typeof days === "number" && days > 0) continue;
    if (isPending(days)) {
      noteUnknown(plan, rule, g, "retention_in_days", days);
      continue;
    }
    const name = g.get("name");
    out.push(
      finding(
        rule,
        owner,
        `log group ${g.address} (${typeof name === "string" ? name : "unknown name"}) has retention_in_days ` +
          `${isUnset(days) || days === 0 ? "unset (logs are kept forever)" : show(days)}; set a retention`,
      ),
    );
  }
  return out;
}

/** HRC-LOG-001: each Lambda function has its log group, with a retention. */
export const lambdaLogGroup: Rule = {
  id: "HRC-LOG-001",
  severity: "medium",
  title: "Every Lambda function has a managed log group with a retention",
  rationale:
    "Lambda creates /aws/lambda/<function_name> on first invocation when it does not exist, outside " +
    "Terraform and with logs kept forever (cost, and personal data from an HR application kept " +
    "indefinitely). The log group must be in the plan, named as the function logs to it " +
    "(logging_config.log_group or /aws/lambda/<function_name>), with retention_in_days > 0.",
  check(plan) {
    const out: Finding[] = [];
    const groups = plan.resources(LOG_GROUP);
    for (const fn of plan.resources("aws_lambda_function")) {
      const configured = fn.get("logging_config", 0, "log_group");
      const functionName = fn.get("function_name");
      let expected: string | undefined;
      let matched: ResourceView[] = [];
      if (typeof configured === "string" && configured !== "") expected = configured;
      else if (isPending(configured)) {
        matched = fn
          .referencedResources("logging_config", 0, "log_group")
          .filter((g) => g.type === LOG_GROUP);
      } else if (typeof functionName === "string") expected = `/aws/lambda/${functionName}`;

      if (expected !== undefined) matched = groups.filter((g) => g.get("name") === expected);
      if (matched.length === 0) {
        // A log group named after the function through a reference (`/aws/lambda/${aws_lambda_function.fn.function_name}`).
        matched = groups.filter((g) => g.refersTo(fn, "name") && typeof g.get("name") !== "string");
      }
      if (matched.length === 0) {
        if (expected === undefined) {
          noteUnknown(
            plan,
            this,
            fn,
            "the function's log group name",
            isPending(configured) ? configured : functionName,
          );
        } else {
          out.push(
            finding(
              this,
              fn,
              `no aws_cloudwatch_log_group named ${expected} in the plan; Lambda would create it on first ` +
                "invocation with no retention. Add one with retention_in_days",
            ),
          );
        }
        continue;
      }
      out.push(...checkRetention(this, plan, fn, matched));
    }
    return out;
  },
};

/** `arn:aws:logs:region:account:log-group:NAME[:*]` -> NAME */
function logGroupNameFromArn(arn: string): string | undefined {
  const m = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(:\*)?$/.exec(arn);
  return m?.[1];
}

/** HRC-LOG-002: each HTTP API stage writes access logs to a log group with a retention. */
export const apiStageAccessLogs: Rule = {
  id: "HRC-LOG-002",
  severity: "medium",
  title: "Every HTTP API stage writes access logs to a log group with a retention",
  rationale:
    "Access logs are the only record of who called the API and what it answered; without them an " +
    "incident cannot be investigated. The destination log group needs a retention like any other.",
  check(plan) {
    const out: Finding[] = [];
    const groups = plan.resources(LOG_GROUP);
    for (const stage of plan.resources("aws_apigatewayv2_stage")) {
      const settings = stage.get("access_log_settings");
      if (isPending(settings)) {
        noteUnknown(plan, this, stage, "access_log_settings", settings);
        continue;
      }
      if (!Array.isArray(settings) || settings.length === 0) {
        out.push(
          finding(this, stage, "has no access_log_settings; add a destination log group and a format"),
        );
        continue;
      }
      const dest = stage.get("access_log_settings", 0, "destination_arn");
      let matched: ResourceView[] = [];
      if (typeof dest === "string") {
        const name = logGroupNameFromArn(dest);
        matched = groups.filter(
          (g) => g.get("arn") === dest || (name !== undefined && g.get("name") === name),
        );
        if (matched.length === 0) {
          plan.note(
            this.id,
            stage.address,
            `access logs go to ${dest}, which is not in this plan; retention not checked`,
          );
          continue;
        }
      } else if (isPending(dest)) {
        matched = stage
          .referencedResources("access_log_settings", 0, "destination_arn")
          .filter((g) => g.type === LOG_GROUP);
        if (matched.length === 0) {
          noteUnknown(plan, this, stage, "access_log_settings.destination_arn", dest);
          continue;
        }
      } else {
        out.push(finding(this, stage, "access_log_settings has no destination_arn"));
        continue;
      }
      out.push(...checkRetention(this, plan, stage, matched));
    }
    return out;
  },
};
