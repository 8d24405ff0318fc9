/**
 * Dependencies run one way: modules <- stacks <- tools. The lint rule in
 * eslint.config.mjs refuses an import that runs back up; these cases show it
 * failing on such imports and passing on the allowed direction.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..");

/**
 * One child process lints every case with eslint's Node API and the
 * repository's own config (the flat config is an ES module, which jest's
 * module system does not load; a single process keeps the test fast).
 */
const LINT_SCRIPT = `
const { ESLint } = require("eslint");
(async () => {
  const cases = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const [file, source] of cases) {
    const [result] = await eslint.lintText(source, { filePath: file });
    out.push(result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(2); });
`;

type Case = readonly [file: string, source: string];

/** The no-restricted-imports messages for each `[file, source]`, linted as if `source` were `file`. */
function restrictedImports(cases: readonly Case[]): string[][] {
  const run = spawnSync(process.execPath, ["-e", LINT_SCRIPT], {
    cwd: root,
    input: JSON.stringify(cases.map(([file, source]) => [join(root, file), source])),
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`eslint failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
}

const upward: ReadonlyArray<readonly [string, string, RegExp]> = [
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
];

const downward: readonly Case[] = [
  ["stacks/app.ts", 'export * from "../modules/network";\n'],
  ["stacks/config/x.ts", 'export * from "../../modules/core";\n'],
  ["tools/policy/x.ts", 'export * from "../../stacks/config/policy-settings";\n'],
  ["tools/cost/x.ts", 'export * from "../../modules/core";\n'],
  ["modules/network/x.ts", 'export * from "../core";\n'],
];

describe("import direction (modules <- stacks <- tools)", () => {
  let messages: string[][];
  beforeAll(() => {
    messages = restrictedImports([...upward.map(([file, source]) => [file, source] as const), ...downward]);
  });

  it.each(upward.map((c, i) => [...c, i] as const))(
    "%s importing upward is refused",
    (_file, _source, rule, i) => {
      expect(messages[i]).toEqual([expect.stringMatching(rule)]);
    },
  );

  it.each(downward.map((c, i) => [...c, upward.length + i] as const))(
    "%s importing downward is allowed",
    (_file, _source, i) => {
      expect(messages[i]).toEqual([]);
    },
  );
});
