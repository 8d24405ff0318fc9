/**
 * Two jest projects:
 *  - unit: construct and config tests on synthesized JSON (fast, no Terraform)
 *  - terraform: tests that run the real terraform binary (offline validate/plan,
 *    emulator deploys, the packed library in a consumer); its global setup
 *    installs the pinned Python tools when missing. Kept apart so `npm run test:unit` stays instant, while
 *    `npm test` runs both.
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
      // installs the pinned checkov and moto into .venv when missing
      globalSetup: "<rootDir>/test/terraform/install-python-tools.ts",
    },
  ],
};
