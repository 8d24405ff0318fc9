/**
 * The bootstrap function's code on disk: the handler bundle (`index.js`, one
 * minified CommonJS file with `pg` inside and the AWS SDK left to the Lambda
 * runtime) and the migrations it applies (`migrations.json`).
 *
 * The package ships the handler prebuilt (`handler-bundle/index.js`, built by
 * esbuild when the package is built), so synth needs neither esbuild nor `pg`.
 * Run from the TypeScript sources, the same esbuild build runs at synth time
 * instead (esbuild is a development dependency), with the same options, so
 * both give the same bytes.
 *
 * The folder goes under the OS temp directory, named after the SHA-256 of its
 * contents, so the same sources always produce the same folder, the same
 * archive and the same Terraform asset hash, and the repository tree stays
 * clean.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Migration } from "./handler/checksum";

/** A handler bundle on disk. */
export interface HandlerBundle {
  /** Folder that holds only `index.js` and `migrations.json` (the asset to archive). */
  readonly directory: string;
  /** Size of `index.js` plus `migrations.json` in bytes. */
  readonly sizeBytes: number;
  /** SHA-256 over `index.js` then `migrations.json`, hex. */
  readonly sha256Hex: string;
  /** The same SHA-256, base64. */
  readonly sha256Base64: string;
}

/** Entry point of the handler (TypeScript source). */
export const HANDLER_ENTRY = join(__dirname, "handler", "index.ts");

/** The handler built with the package: `handler-bundle/index.js` next to this file in the compiled package. */
export const PREBUILT_HANDLER = join(__dirname, "handler-bundle", "index.js");

/** File name of the migration list inside the bundle folder (read by the handler at start). */
export const MIGRATIONS_FILE = "migrations.json";

/** Modules left out of the bundle: the runtime's AWS SDK, and pg's optional native and Workers back ends. */
export const BUNDLE_EXTERNALS: readonly string[] = ["@aws-sdk/*", "pg-native", "pg-cloudflare"];

/** Root folder of the bundle cache. */
export function bundleCacheRoot(): string {
  return join(tmpdir(), "hr-chatbot-db-bootstrap");
}

/**
 * Build the handler with esbuild from `entry` and return `index.js`. Used
 * when the package is built, and at synth time when running from the
 * TypeScript sources.
 * @throws Error when esbuild is not installed or the build fails
 */
export function buildHandlerCode(entry: string = HANDLER_ENTRY): Buffer {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = createRequire(__filename)("esbuild") as typeof import("esbuild");
  } catch {
    throw new Error(
      `the db-bootstrap handler is not prebuilt (${PREBUILT_HANDLER} is missing) and esbuild is not installed to build it`,
    );
  }
  const result = esbuild.buildSync({
    entryPoints: [entry],
    outfile: "index.js",
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    charset: "utf8",
    external: [...BUNDLE_EXTERNALS],
    write: false,
    logLevel: "silent",
  });
  if (result.errors.length > 0) {
    throw new Error(`bundling ${entry} failed: ${result.errors.map((e) => e.text).join("; ")}`);
  }
  const output = result.outputFiles.find((f) => f.path.endsWith("index.js"));
  if (!output) throw new Error(`bundling ${entry} produced no index.js`);
  return Buffer.from(output.contents);
}

let handlerCode: Buffer | undefined;
const memo = new Map<string, HandlerBundle>();

/** Write `content` to `file` unless it already holds it (write then rename: a concurrent synth never sees half a file). */
function writeOnce(file: string, content: Buffer): void {
  if (existsSync(file) && readFileSync(file).equals(content)) return;
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, content, { mode: 0o644 });
  renameSync(temp, file);
}

/** The handler folder for `migrations`; returns the cached folder when its contents are unchanged. */
export function bundleHandler(migrations: readonly Migration[]): HandlerBundle {
  const list = Buffer.from(JSON.stringify(migrations), "utf8");
  const key = list.toString("utf8");
  const cached = memo.get(key);
  if (cached && existsSync(join(cached.directory, "index.js"))) return cached;

  handlerCode ??= existsSync(PREBUILT_HANDLER) ? readFileSync(PREBUILT_HANDLER) : buildHandlerCode();
  const hash = createHash("sha256").update(handlerCode).update(list);
  const sha256Hex = hash.copy().digest("hex");
  const sha256Base64 = hash.digest("base64");
  const directory = join(bundleCacheRoot(), sha256Hex.slice(0, 32));
  mkdirSync(directory, { recursive: true });
  writeOnce(join(directory, "index.js"), handlerCode);
  writeOnce(join(directory, MIGRATIONS_FILE), list);
  const bundle: HandlerBundle = {
    directory,
    sizeBytes: handlerCode.length + list.length,
    sha256Hex,
    sha256Base64,
  };
  memo.set(key, bundle);
  return bundle;
}
