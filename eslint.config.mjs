// Lint rules for the whole repository.
// Dependencies run one way: modules <- stacks <- tools. An import from
// modules/ into stacks/ or tools/, or from stacks/ into tools/, is an error
// (test/import-direction.test.ts shows each one failing).
// The provider packages are imported by deep path only: the barrel
// (`@cdktf/provider-aws`) loads every generated resource class and makes a
// synth several times slower (see README "Speed").
import tseslint from "typescript-eslint";

const providerBarrels = [
  { name: "@cdktf/provider-aws", message: "Import by deep path: @cdktf/provider-aws/lib/<resource>." },
  { name: "@cdktf/provider-random", message: "Import by deep path: @cdktf/provider-random/lib/<resource>." },
];
const providerBarrelPatterns = [
  {
    group: ["@cdktf/provider-aws/lib/index*", "@cdktf/provider-random/lib/index*"],
    message: "Import by deep path: @cdktf/provider-*/lib/<resource>.",
  },
];

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
      "modules/dist/**",
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-imports": ["error", { paths: providerBarrels, patterns: providerBarrelPatterns }],
    },
  },
  {
    files: ["modules/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: providerBarrels,
          patterns: [
            ...providerBarrelPatterns,
            {
              regex: "^(\\.\\./)+(stacks|tools|examples)(/|$)",
              message:
                "modules/ is the library: it must not import stacks/, tools/ or examples/ (modules <- stacks <- tools).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["stacks/**/*.ts", "main.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: providerBarrels,
          patterns: [
            ...providerBarrelPatterns,
            {
              regex: "^(\\.\\.?/)+(tools|examples)(/|$)",
              message: "stacks/ must not import tools/ or examples/ (modules <- stacks <- tools).",
            },
          ],
        },
      ],
    },
  },
);
