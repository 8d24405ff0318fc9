/**
 * Two jest projects:
 *  - unit: construct and config tests on synthesized JSON (fast, no Terraform)
 *  - terraform: tests that run the real terraform binary (offline validate/plan,
 *    emulator deploys, the packed library in a consumer). Kept apart so
 *    `npm run test:unit` stays fast, while `npm test` runs both.
 * The global setup installs the pinned tools (checkov, moto, actionlint,
 * zizmor) into .venv when they are missing; no suite skips itself.
 */
const transform = {
  "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } } }],
};
const common = {
  transform,
  testEnvironment: "node",
  moduleFileExtensions: ["ts", "js", "json", "mjs"],
  testPathIgnorePatterns: ["/node_modules/", "/cdktf.out/", "/placeholder/", "<rootDir>/modules/dist/"],
  // the compiled package and the stand-alone consumer are not part of the test tree
  modulePathIgnorePatterns: ["<rootDir>/modules/dist/", "<rootDir>/examples/consumer-app/"],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/**/*.test.ts"],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, "<rootDir>/test/terraform/"],
    },
    {
      ...common,
      displayName: "terraform",
      testMatch: ["<rootDir>/test/terraform/**/*.test.ts"],
    },
  ],
  globalSetup: "<rootDir>/test/install-pinned-tools.ts",
};
