/**
 * Dependencies run one way: modules <- stacks <- tools. The lint rule in
 * eslint.config.mjs refuses an import that runs back up; these cases show it
 * failing on such imports and passing on the allowed direction.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..");
const eslintBin = join(root, "node_modules", "eslint", "bin", "eslint.js");

interface LintMessage {
  readonly ruleId: string | null;
  readonly message: string;
}

/** Lint `source` as if it were `file`, with the repository's own config (the eslint CLI, as `npm run lint` runs it). */
function restrictedImports(file: string, source: string): string[] {
  const run = spawnSync(
    process.execPath,
    [eslintBin, "--format", "json", "--stdin", "--stdin-filename", file],
    {
      cwd: root,
      input: source,
      encoding: "utf8",
    },
  );
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint failed (${run.status}): ${run.stderr}`);
  const [result] = JSON.parse(run.stdout) as Array<{ messages: LintMessage[] }>;
  return result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("import direction (modules <- stacks <- tools)", () => {
  it.each([
    ["modules/core/x.ts", 'export { synthesizeApp } from "../../stacks/app";\n', /modules\/ is the library/],
    ["modules/index.ts", 'export * from "../tools/policy";\n', /modules\/ is the library/],
    [
      "modules/db-bootstrap/handler/x.ts",
      'export * from "../../../examples/docs-search/docs-search-stack";\n',
      /modules\/ is the library/,
    ],
    ["stacks/app.ts", 'export * from "../tools/policy/schema";\n', /stacks\/ must not import tools/],
    ["stacks/config/x.ts", 'export * from "../../tools/cost/estimate";\n', /stacks\/ must not import tools/],
    ["main.ts", 'export * from "./tools/offline-plan/run";\n', /stacks\/ must not import tools/],
  ])("%s importing upward is refused", (file, source, message) => {
    const messages = restrictedImports(file, source);
    expect(messages).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ["stacks/app.ts", 'export * from "../modules/network";\n'],
    ["stacks/config/x.ts", 'export * from "../../modules/core";\n'],
    ["tools/policy/x.ts", 'export * from "../../stacks/config/policy-settings";\n'],
    ["tools/cost/x.ts", 'export * from "../../modules/core";\n'],
    ["modules/network/x.ts", 'export * from "../core";\n'],
  ])("%s importing downward is allowed", (file, source) => {
    expect(restrictedImports(file, source)).toEqual([]);
  });
});
