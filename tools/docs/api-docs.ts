/**
 * API tables of the module READMEs, generated from the TSDoc with typedoc and
 * typedoc-plugin-markdown. Each `modules/<name>/README.md` holds its module's
 * API between `<!-- api:start -->` and `<!-- api:end -->`; nothing between
 * the markers is written by hand.
 *
 *   npm run docs                 # regenerate
 *   npm run docs -- --check      # exit 1 when a README differs from the TSDoc
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const REPO = resolve(__dirname, "..", "..");
const MODULES = join(REPO, "modules");
export const API_START = "<!-- api:start -->";
export const API_END = "<!-- api:end -->";

/** Module folders that have a README (each gets its API section). */
export function documentedModules(): string[] {
  return readdirSync(MODULES)
    .filter((m) => existsSync(join(MODULES, m, "index.ts")) && existsSync(join(MODULES, m, "README.md")))
    .sort();
}

/** Run typedoc over the modules; returns the markdown per module. */
export function generateApi(modules: readonly string[] = documentedModules()): Record<string, string> {
  const out = mkdtempSync(join(tmpdir(), "api-docs-"));
  try {
    const options = {
      entryPoints: modules.map((m) => join(MODULES, m, "index.ts")),
      tsconfig: join(MODULES, "tsconfig.build.json"),
      plugin: ["typedoc-plugin-markdown", join(__dirname, "hide-external-inherited.mjs")],
      out,
      readme: "none",
      outputFileStrategy: "modules",
      disableSources: true,
      hidePageHeader: true,
      hideBreadcrumbs: true,
      excludePrivate: true,
      excludeProtected: true,
      excludeInternal: true,
      sort: ["kind", "instance-first", "alphabetical-ignoring-documents"],
      parametersFormat: "table",
      interfacePropertiesFormat: "table",
      classPropertiesFormat: "table",
      typeDeclarationFormat: "table",
      enumMembersFormat: "table",
      propertyMembersFormat: "table",
      indexFormat: "table",
      tableColumnSettings: { hideModifiers: true, hideOverrides: true },
      skipErrorChecking: true,
      logLevel: "Error",
    };
    const config = join(out, "typedoc.json");
    writeFileSync(config, JSON.stringify(options));
    // typedoc's package exports no bin path: find it from the package entry (dist/index.js)
    const bin = join(dirname(dirname(require.resolve("typedoc"))), "bin", "typedoc");
    execFileSync(process.execPath, [bin, "--options", config], {
      cwd: REPO,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const api: Record<string, string> = {};
    for (const m of modules) api[m] = toReadmeSection(readFileSync(join(out, `${m}.md`), "utf8"));
    return api;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * typedoc's page of one module as the body of the README's API section: the
 * page title dropped, headings one level down (under `## API`), links to other
 * modules' pages pointed at their READMEs.
 */
export function toReadmeSection(page: string): string {
  const lines = page.replace(/\r\n/g, "\n").split("\n");
  if (lines[0]?.startsWith("# ")) lines.shift();
  let fenced = false;
  const body = lines.map((line) => {
    if (line.startsWith("```")) fenced = !fenced;
    if (fenced || !/^#{1,5} /.test(line)) return line;
    return `#${line}`;
  });
  return body
    .join("\n")
    .replace(
      /\]\(([a-z-]+)\.md(#[^)]*)?\)/g,
      (_all, mod: string, anchor = "") => `](../${mod}/README.md${anchor})`,
    )
    .trim();
}

/** `readme` with its API section replaced by `api`. @throws Error when the markers are missing */
export function spliceApi(readme: string, api: string, file = "README.md"): string {
  const start = readme.indexOf(API_START);
  const end = readme.indexOf(API_END);
  if (start < 0 || end < start) throw new Error(`${file}: no ${API_START} ... ${API_END} section`);
  return `${readme.slice(0, start + API_START.length)}\n\n${api}\n\n${readme.slice(end)}`;
}

/** Write (or, with `check`, only compare) every module README; returns the READMEs that were out of date. */
export function updateReadmes(check: boolean, api = generateApi()): string[] {
  const stale: string[] = [];
  for (const [m, section] of Object.entries(api)) {
    const file = join(MODULES, m, "README.md");
    const current = readFileSync(file, "utf8");
    const next = spliceApi(current, section, `modules/${m}/README.md`);
    if (next === current) continue;
    stale.push(`modules/${m}/README.md`);
    if (!check) writeFileSync(file, next);
  }
  return stale;
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  const stale = updateReadmes(check);
  if (check && stale.length) {
    console.error(`API section out of date (run npm run docs): ${stale.join(", ")}`);
    process.exit(1);
  }
  console.log(
    stale.length ? `updated ${stale.join(", ")}` : "every module README's API section is up to date",
  );
}
