/**
 * The GitHub delivery file (`stacks/github.json`): which repository's
 * workflows may assume the deploy roles the state bootstrap stack creates.
 * Validated with zod; every problem is reported as `<file>: <field> <value> <rule>`.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { z } from "zod";
import { formatValue } from "../../modules/core/core";
import { githubEnvironmentProblem, githubRepositoryProblem } from "../../modules/github-oidc";

/** The shipped delivery file. */
export const DEFAULT_GITHUB_DELIVERY_FILE = resolve(__dirname, "..", "github.json");

/** The placeholder repository of the shipped file; replace it with yours. */
export const PLACEHOLDER_REPOSITORY = "example-org/hr-chatbot-infra";

const refine = (problem: (v: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const p = problem(value);
  if (p) ctx.addIssue({ code: "custom", message: p });
};

/** Zod schema of the delivery file. */
export const githubDeliverySchema = z.strictObject({
  $schema: z.string().optional(),
  $comment: z.string().optional(),
  repository: z
    .string()
    .superRefine(refine(githubRepositoryProblem))
    .describe("The one repository (owner/name) whose workflows may assume the roles."),
  accountId: z
    .string()
    .regex(/^\d{12}$/, { error: "must be the 12-digit id of the account the environments deploy to" })
    .describe(
      "AWS account of the state bucket, the roles and the environments (123456789012 is a placeholder).",
    ),
  existingProviderArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, {
      error: "must be the ARN of the account's token.actions.githubusercontent.com OIDC provider",
    })
    .optional()
    .describe("The account's existing GitHub OIDC provider. @default one is created"),
  pullRequestPlanRole: z
    .boolean()
    .default(true)
    .describe("Create the read-only plan role for pull requests (sub repo:<owner>/<repo>:pull_request)."),
  mainBranch: z
    .string()
    .regex(/^[A-Za-z0-9._/-]{1,255}$/, { error: "must be a branch name (no wildcard)" })
    .default("main")
    .describe("Branch whose pushes plan with the plan role before the gated apply."),
  githubEnvironments: z
    .record(z.string(), z.string().superRefine(refine(githubEnvironmentProblem)))
    .default({})
    .describe("GitHub environment per environment name. @default the environment's own name"),
});

/** A validated delivery file. */
export type GithubDeliveryConfig = z.infer<typeof githubDeliverySchema>;

/**
 * Read and validate a delivery file. A missing file means no GitHub roles
 * (`undefined`); a present but invalid one returns its problems.
 */
export function loadGithubDelivery(file: string = DEFAULT_GITHUB_DELIVERY_FILE): {
  config?: GithubDeliveryConfig;
  errors: string[];
} {
  if (!existsSync(file)) return { errors: [] };
  const name = basename(file);
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    return { errors: [`${name}: is not valid JSON: ${(e as Error).message}`] };
  }
  const parsed = githubDeliverySchema.safeParse(input);
  if (parsed.success) return { config: parsed.data, errors: [] };
  return {
    errors: parsed.error.issues.map((issue) => {
      const field = issue.path.map(String).join(".") || "(root)";
      if (issue.code === "unrecognized_keys")
        return `${name}: ${issue.keys.join(", ")} is not a known field of the delivery file`;
      let value: unknown = input;
      for (const k of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[k];
      return `${name}: ${field} ${value === undefined ? "(missing)" : formatValue(value)} ${issue.message}`;
    }),
  };
}
