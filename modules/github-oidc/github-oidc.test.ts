import { ConfigError } from "../core/core";
import { onlyResource, resourcesOf, synthJson, testStack } from "../core/testing";
import {
  GithubActionsRole,
  GithubOidcProvider,
  githubEnvironmentProblem,
  githubRepositoryProblem,
  githubSubjectClaim,
  stateObjectStatements,
} from "./github-oidc";

const PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

describe("GithubOidcProvider", () => {
  test("creates the provider for token.actions.githubusercontent.com with audience sts.amazonaws.com", () => {
    const { stack } = testStack();
    const p = new GithubOidcProvider(stack, "oidc", { tags: { Project: "hr-chatbot" } });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_iam_openid_connect_provider")).toEqual({
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
      tags: { Project: "hr-chatbot", Name: "github-actions" },
    });
    expect(p.created).toBe(true);
    expect(p.arn).toMatch(/TOKEN/);
  });

  test("bring your own: an existing provider ARN creates nothing", () => {
    const { stack } = testStack();
    const p = new GithubOidcProvider(stack, "oidc", { existingProviderArn: PROVIDER_ARN });
    expect(resourcesOf(synthJson(stack), "aws_iam_openid_connect_provider")).toEqual({});
    expect([p.arn, p.created]).toEqual([PROVIDER_ARN, false]);
  });

  test("refuses an ARN that is not GitHub's OIDC provider", () => {
    const { stack } = testStack();
    expect(
      () =>
        new GithubOidcProvider(stack, "oidc", {
          existingProviderArn: "arn:aws:iam::123456789012:oidc-provider/accounts.google.com",
        }),
    ).toThrow(/existingProviderArn .*must be an IAM OIDC provider ARN/);
  });
});

describe("GithubActionsRole trust", () => {
  function trust(subject: { environment: string } | { pullRequest: true }) {
    const { stack } = testStack();
    new GithubActionsRole(stack, "role", {
      providerArn: PROVIDER_ARN,
      repository: "example-org/hr-chatbot-infra",
      subject,
      roleName: "github-deploy-hr-chatbot-dev",
      policies: { deploy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) },
    });
    const json = synthJson(stack);
    return { json, role: onlyResource(json, "aws_iam_role") };
  }

  test.each([
    [{ environment: "dev" }, "repo:example-org/hr-chatbot-infra:environment:dev"],
    [{ environment: "prod" }, "repo:example-org/hr-chatbot-infra:environment:prod"],
    [{ pullRequest: true as const }, "repo:example-org/hr-chatbot-infra:pull_request"],
  ])("%j: StringEquals on aud and the exact sub, no wildcard", (subject, sub) => {
    const { role } = trust(subject);
    expect(JSON.parse(role.assume_role_policy as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GitHubActionsOidc",
          Effect: "Allow",
          Principal: { Federated: PROVIDER_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": sub,
            },
          },
        },
      ],
    });
    expect(role.assume_role_policy).not.toMatch(/StringLike|\*/);
  });

  test("several subjects: one StringEquals list of exact claims", () => {
    const { stack } = testStack();
    new GithubActionsRole(stack, "role", {
      providerArn: PROVIDER_ARN,
      repository: "o/r",
      subject: [{ pullRequest: true }, { branch: "main" }],
      roleName: "github-plan",
    });
    const role = onlyResource(synthJson(stack), "aws_iam_role");
    const doc = JSON.parse(role.assume_role_policy as string) as {
      Statement: { Condition: Record<string, Record<string, unknown>> }[];
    };
    expect(doc.Statement[0].Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": ["repo:o/r:pull_request", "repo:o/r:ref:refs/heads/main"],
      },
    });
  });

  test("accountId: a precondition that the created provider is in that account", () => {
    const { stack } = testStack();
    const provider = new GithubOidcProvider(stack, "oidc");
    new GithubActionsRole(stack, "role", {
      providerArn: provider.arn,
      repository: "o/r",
      subject: { environment: "dev" },
      roleName: "github-deploy",
      accountId: "123456789012",
    });
    const role = onlyResource(synthJson(stack), "aws_iam_role");
    expect(role.lifecycle).toEqual({
      precondition: [
        {
          condition: expect.stringMatching(
            /^\$\{\(element\(split\(":", aws_iam_openid_connect_provider\.oidc_provider_[0-9A-F]+\.arn\), 4\) == "123456789012"\)\}$/,
          ),
          error_message: expect.stringContaining("not in account 123456789012"),
        },
      ],
    });
  });

  test("accountId: a literal provider ARN of another account is refused at synth", () => {
    const { stack } = testStack();
    expect(
      () =>
        new GithubActionsRole(stack, "role", {
          providerArn: PROVIDER_ARN,
          repository: "o/r",
          subject: { environment: "dev" },
          roleName: "github-deploy",
          accountId: "210987654321",
        }),
    ).toThrow(/providerArn .*must be in account 210987654321/);
  });

  test("role on its own path, one-hour sessions, inline policies by name", () => {
    const { json, role } = trust({ environment: "dev" });
    expect(role).toMatchObject({
      name: "github-deploy-hr-chatbot-dev",
      path: "/github-actions/",
      max_session_duration: 3600,
    });
    expect(Object.values(resourcesOf(json, "aws_iam_role_policy")).map((p) => p.name)).toEqual(["deploy"]);
  });

  test.each([
    ["repository", { repository: "example-org/*" }, /repository .*must name one repository/],
    ["repository", { repository: "hr-chatbot-infra" }, /must be <owner>\/<repository>/],
    ["environment", { subject: { environment: "prod*" } }, /subject.environment .*no wildcard/],
    ["roleName", { roleName: "x".repeat(65) }, /roleName/],
    ["path", { path: "github" }, /path .*must start and end with '\/'/],
    ["session", { maxSessionDurationSeconds: 60 }, /maxSessionDurationSeconds/],
  ])("refuses a bad %s", (_what, override, message) => {
    let n = 0;
    const { stack } = testStack();
    const make = () =>
      new GithubActionsRole(stack, `role-${++n}`, {
        providerArn: PROVIDER_ARN,
        repository: "example-org/hr-chatbot-infra",
        subject: { environment: "dev" },
        roleName: "github-deploy",
        ...override,
      });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(message);
  });

  test("validators", () => {
    expect(githubRepositoryProblem("example-org/hr-chatbot-infra")).toBeUndefined();
    expect(githubRepositoryProblem("-bad/x")).toBeDefined();
    expect(githubEnvironmentProblem("production")).toBeUndefined();
    expect(githubEnvironmentProblem("")).toBeDefined();
    expect(githubSubjectClaim("o/r", { pullRequest: true })).toBe("repo:o/r:pull_request");
    expect(githubSubjectClaim("o/r", { branch: "main" })).toBe("repo:o/r:ref:refs/heads/main");
    expect(() => githubSubjectClaim("o/r", { branch: "*" })).toThrow(/subject.branch/);
  });
});

describe("stateObjectStatements", () => {
  const KEY = "hr-chatbot/dev/dev.tfstate";

  test("readwrite: the state object and its lock file only", () => {
    expect(
      stateObjectStatements({ partition: "aws", bucket: "b", keys: [KEY], access: "readwrite" }),
    ).toEqual([
      {
        Sid: "ListStateFolder",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: "arn:aws:s3:::b",
        Condition: { StringLike: { "s3:prefix": ["hr-chatbot/dev/*"] } },
      },
      {
        Sid: "ReadWriteState",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject"],
        Resource: [`arn:aws:s3:::b/${KEY}`],
      },
      {
        Sid: "StateLockFile",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: [`arn:aws:s3:::b/${KEY}.tflock`],
      },
    ]);
  });

  test("read: get only, no lock file", () => {
    const s = stateObjectStatements({ partition: "aws", bucket: "b", keys: [KEY], access: "read" });
    expect(s.map((x) => x.Action)).toEqual(["s3:ListBucket", ["s3:GetObject"]]);
  });

  test.each([["hr-chatbot/*.tfstate"], ["hr-chatbot/dev/dev"]])("refuses key %s", (key) => {
    expect(() =>
      stateObjectStatements({ partition: "aws", bucket: "b", keys: [key], access: "read" }),
    ).toThrow(/keys .*must be a literal state key/);
  });
});
