import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  API_END,
  API_START,
  documentedModules,
  generateApi,
  spliceApi,
  toReadmeSection,
  updateReadmes,
} from "./api-docs";

const MODULES = join(__dirname, "..", "..", "modules");

describe("module README API sections", () => {
  let api: Record<string, string>;
  beforeAll(() => {
    api = generateApi();
  }, 120_000);

  it("cover every module and match the TSDoc (run `npm run docs` when this fails)", () => {
    expect(Object.keys(api)).toEqual(documentedModules());
    expect(documentedModules()).toEqual(
      expect.arrayContaining(["network", "observability", "secrets", "core"]),
    );
    expect(updateReadmes(true, api)).toEqual([]);
  });

  it("document each module's props from the TSDoc, defaults included", () => {
    expect(api.network).toContain("#### NetworkProps");
    expect(api.api).toMatch(/`routes\?`.*\*\*Default\*\*/);
    expect(api.observability).toContain("#### Observability");
  });

  it("report a README whose API section differs, without writing it", () => {
    const before = readFileSync(join(MODULES, "network", "README.md"), "utf8");
    expect(updateReadmes(true, { network: "stale" })).toEqual(["modules/network/README.md"]);
    expect(readFileSync(join(MODULES, "network", "README.md"), "utf8")).toBe(before);
  });
});

describe("spliceApi / toReadmeSection", () => {
  it("replaces only what lies between the markers", () => {
    const readme = `# x\n\nintro\n\n${API_START}\nold\n${API_END}\n\n## After\n`;
    expect(spliceApi(readme, "new")).toBe(`# x\n\nintro\n\n${API_START}\n\nnew\n\n${API_END}\n\n## After\n`);
  });

  it("refuses a README without the markers", () => {
    expect(() => spliceApi("# x\n", "new", "modules/x/README.md")).toThrow(
      `modules/x/README.md: no ${API_START} ... ${API_END} section`,
    );
  });

  it("drops the page title, moves headings under ## API and links other modules' READMEs", () => {
    const page =
      "# network\n\n## Classes\n\n### Network\n\n```ts\n# not a heading\n```\n\n[`BaseProps`](core.md#baseprops)\n";
    expect(toReadmeSection(page)).toBe(
      "### Classes\n\n#### Network\n\n```ts\n# not a heading\n```\n\n[`BaseProps`](../core/README.md#baseprops)",
    );
  });
});
