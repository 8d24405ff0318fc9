// Lint rules for the whole repository.
// The provider packages are imported by deep path only: the barrel
// (`@cdktf/provider-aws`) loads every generated resource class and makes a
// synth several times slower (see README "Speed").
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "cdktf.out/**",
      ".plan-out/**",
      ".e2e/**",
      ".venv/**",
      "**/placeholder/**",
      "coverage/**",
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@cdktf/provider-aws",
              message: "Import by deep path: @cdktf/provider-aws/lib/<resource>.",
            },
            {
              name: "@cdktf/provider-random",
              message: "Import by deep path: @cdktf/provider-random/lib/<resource>.",
            },
          ],
          patterns: [
            {
              group: ["@cdktf/provider-aws/lib/index*", "@cdktf/provider-random/lib/index*"],
              message: "Import by deep path: @cdktf/provider-*/lib/<resource>.",
            },
          ],
        },
      ],
    },
  },
);
