/**
 * The conventional baseline the synth time is compared against: the project's
 * own sources (main.ts, stacks/, modules/, tools/) with every deep provider import rewritten into the barrel form
 * most CDKTF code uses,
 *
 *   import { Vpc } from "@cdktf/provider-aws/lib/vpc";   ->   import * as aws from "@cdktf/provider-aws";
 *   new Vpc(this, "vpc", {...})                           ->   new aws.vpc.Vpc(this, "vpc", {...})
 *
 * run with ts-node and type checking on (ts-node's default). The rewrite works
 * on the TypeScript syntax tree, so only references to the imported names
 * change, never property names or strings; the baseline must synthesize the
 * same Terraform JSON as the project, which the benchmark checks.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { join, relative, resolve, sep } from "node:path";
import * as ts from "typescript";

/** A provider package and the local name its barrel import gets. */
export interface BarrelPackage {
  /** Package name, e.g. `@cdktf/provider-aws`. */
  readonly pkg: string;
  /** Local name of the namespace import, e.g. `aws`. */
  readonly alias: string;
  /** `lib/<path>` of a deep import -> the barrel's export name (`vpc-endpoint` -> `vpcEndpoint`). */
  readonly namespaces: ReadonlyMap<string, string>;
}

/** Read the barrel's `exports.<name> = require("./<path>")` lines: lib path -> export name. */
export function parseBarrelIndex(indexJs: string): Map<string, string> {
  const map = new Map<string, string>();
  const re = /exports\.([A-Za-z_$][\w$]*)\s*=\s*require\(["']\.\/([^"']+)["']\)/g;
  for (let m = re.exec(indexJs); m; m = re.exec(indexJs)) map.set(m[2], m[1]);
  return map;
}

/** The barrel description of an installed provider package. */
export function loadBarrelPackage(nodeModules: string, pkg: string, alias: string): BarrelPackage {
  const index = join(nodeModules, pkg, "lib", "index.js");
  if (!existsSync(index)) throw new Error(`${index} not found: is ${pkg} installed?`);
  const namespaces = parseBarrelIndex(readFileSync(index, "utf8"));
  if (namespaces.size === 0) throw new Error(`${index}: no namespace exports found`);
  return { pkg, alias, namespaces };
}

/** Result of rewriting one file. */
export interface Rewrite {
  readonly text: string;
  /** Number of deep provider imports replaced. */
  readonly imports: number;
}

function isReference(node: ts.Identifier): boolean {
  const p = node.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === node) return false;
  if (ts.isQualifiedName(p) && p.right === node) return false;
  if (
    (ts.isPropertyAssignment(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isPropertySignature(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isMethodSignature(p) ||
      ts.isGetAccessorDeclaration(p) ||
      ts.isSetAccessorDeclaration(p) ||
      ts.isEnumMember(p)) &&
    p.name === node
  )
    return false;
  if (ts.isBindingElement(p) && p.propertyName === node) return false;
  if (ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p)) return false;
  return true;
}

function isDeclarationName(node: ts.Identifier): boolean {
  const p = node.parent;
  return (
    ((ts.isVariableDeclaration(p) ||
      ts.isParameter(p) ||
      ts.isFunctionDeclaration(p) ||
      ts.isClassDeclaration(p) ||
      ts.isInterfaceDeclaration(p) ||
      ts.isTypeAliasDeclaration(p) ||
      ts.isEnumDeclaration(p) ||
      ts.isBindingElement(p) ||
      ts.isTypeParameterDeclaration(p)) &&
      p.name === node) ||
    false
  );
}

/**
 * Rewrite the deep provider imports of one TypeScript file into barrel
 * imports plus qualified references. Throws when the file does something the
 * rewrite cannot follow (a local that shadows an imported name, a re-export,
 * an identifier already named like the namespace alias).
 */
export function rewriteToBarrel(
  fileName: string,
  source: string,
  packages: readonly BarrelPackage[],
): Rewrite {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const qualified = new Map<string, string>(); // local name -> aws.vpc.Vpc
  const edits: { start: number; end: number; text: string }[] = [];
  const used = new Set<BarrelPackage>();
  let firstImport: ts.ImportDeclaration | undefined;
  let imports = 0;

  for (const stmt of sf.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    const spec = stmt.moduleSpecifier.text;
    const bp = packages.find((p) => spec.startsWith(`${p.pkg}/lib/`));
    if (!bp) continue;
    const path = spec.slice(`${bp.pkg}/lib/`.length).replace(/(\/index)?(\.js)?$/, "");
    const ns = bp.namespaces.get(path);
    if (!ns) throw new Error(`${fileName}: ${spec} is not exported by the ${bp.pkg} barrel`);
    const clause = stmt.importClause;
    if (!clause || clause.name) throw new Error(`${fileName}: unsupported import form: ${stmt.getText(sf)}`);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) {
      qualified.set(bindings.name.text, `${bp.alias}.${ns}`);
    } else if (bindings) {
      for (const el of bindings.elements) {
        qualified.set(el.name.text, `${bp.alias}.${ns}.${(el.propertyName ?? el.name).text}`);
      }
    }
    used.add(bp);
    firstImport ??= stmt;
    imports++;
    // drop the declaration and its line break
    const end = source[stmt.end] === "\n" ? stmt.end + 1 : stmt.end;
    edits.push({ start: stmt.getStart(sf), end, text: "" });
  }
  if (!firstImport) return { text: source, imports: 0 };

  const aliases = new Set([...used].map((p) => p.alias));
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      if (aliases.has(node.text) && isReference(node))
        throw new Error(`${fileName}: identifier "${node.text}" clashes with the barrel namespace alias`);
      const target = qualified.get(node.text);
      if (target !== undefined) {
        if (isDeclarationName(node))
          throw new Error(`${fileName}: local "${node.text}" shadows an imported provider class`);
        if (ts.isExportSpecifier(node.parent))
          throw new Error(`${fileName}: re-export of "${node.text}" is not supported`);
        if (ts.isShorthandPropertyAssignment(node.parent)) {
          edits.push({ start: node.getStart(sf), end: node.end, text: `${node.text}: ${target}` });
        } else if (isReference(node)) {
          edits.push({ start: node.getStart(sf), end: node.end, text: target });
        }
      }
      return;
    }
    if (ts.isImportDeclaration(node)) return;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);

  const header = [...used].map((p) => `import * as ${p.alias} from "${p.pkg}";\n`).join("");
  edits.push({ start: firstImport.getStart(sf), end: firstImport.getStart(sf), text: header });
  // apply from the end so earlier offsets stay valid; at the same offset the removal of the first import
  // goes first, then the (zero-width) header lands where it was
  edits.sort((a, b) => b.start - a.start || b.end - b.start - (a.end - a.start));
  let text = source;
  for (const e of edits) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return { text, imports };
}

/** What {@link buildBaselineProject} made. */
export interface BaselineProject {
  readonly dir: string;
  /** TypeScript files written (tests excluded). */
  readonly files: number;
  /** Deep provider imports rewritten. */
  readonly imports: number;
}

/** Build output and installed packages inside the source folders: not sources of the app. */
const NOT_SOURCES = new Set(["node_modules", "dist"]);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!NOT_SOURCES.has(entry.name)) out.push(...walk(p));
    } else out.push(p);
  }
  return out;
}

/** Source folders the app entry may load (stacks read settings schemas from tools/). */
export const SOURCE_FOLDERS: readonly string[] = ["stacks", "modules", "tools"];

/**
 * Copy `main.ts` and the {@link SOURCE_FOLDERS} of `projectRoot` into `dir`
 * (test files left out, other assets kept), rewrite every deep provider import
 * into the barrel form, symlink `node_modules` and write a tsconfig for ts-node.
 */
export function buildBaselineProject(projectRoot: string, dir: string): BaselineProject {
  const root = resolve(projectRoot);
  const nodeModules = join(root, "node_modules");
  const packages = [
    loadBarrelPackage(nodeModules, "@cdktf/provider-aws", "aws"),
    loadBarrelPackage(nodeModules, "@cdktf/provider-random", "random"),
  ];
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, "main.ts"), join(dir, "main.ts"));
  for (const folder of SOURCE_FOLDERS.filter((f) => existsSync(join(root, f)))) {
    cpSync(join(root, folder), join(dir, folder), {
      recursive: true,
      filter: (src) =>
        !src.endsWith(".test.ts") &&
        !relative(join(root, folder), src)
          .split(sep)
          .some((part) => NOT_SOURCES.has(part)),
    });
  }
  symlinkSync(nodeModules, join(dir, "node_modules"), "dir");
  let files = 0;
  let imports = 0;
  for (const file of walk(dir).filter((f) => f.endsWith(".ts") && !f.includes("/node_modules/"))) {
    files++;
    const r = rewriteToBarrel(relative(dir, file), readFileSync(file, "utf8"), packages);
    if (r.imports > 0) writeFileSync(file, r.text);
    imports += r.imports;
  }
  // the project's compiler settings, limited to the copied sources
  const tsconfig = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8")) as {
    compilerOptions: Record<string, unknown>;
  };
  delete tsconfig.compilerOptions.incremental;
  delete tsconfig.compilerOptions.tsBuildInfoFile;
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: tsconfig.compilerOptions,
        include: ["main.ts", ...SOURCE_FOLDERS.map((f) => `${f}/**/*.ts`)],
        exclude: ["node_modules", "cdktf.out", "**/placeholder/**"],
      },
      null,
      2,
    ),
  );
  return { dir, files, imports };
}

/**
 * A hash of the app's sources (`main.ts` and the {@link SOURCE_FOLDERS}), to
 * tell whether they changed while the benchmark ran.
 */
export function sourceFingerprint(projectRoot: string): string {
  const root = resolve(projectRoot);
  const hash = createHash("sha256");
  const files = [
    join(root, "main.ts"),
    ...SOURCE_FOLDERS.filter((f) => existsSync(join(root, f))).flatMap((f) => walk(join(root, f))),
  ]
    .filter((f) => !f.includes("/node_modules/"))
    .sort();
  for (const f of files) hash.update(relative(root, f)).update("\0").update(readFileSync(f)).update("\0");
  return hash.digest("hex");
}
