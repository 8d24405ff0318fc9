/**
 * Bundling the bootstrap handler at synth time with esbuild: one minified
 * CommonJS file with `pg` and the migrations inside, and the AWS SDK left to
 * the Lambda runtime. The output goes to a folder under the OS temp directory
 * named after the bundle's SHA-256, so the same sources always produce the same
 * folder contents and the same Terraform asset hash, and the repository tree
 * stays clean.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import type { Migration } from "./handler/checksum";

/** A bundled handler on disk. */
export interface HandlerBundle {
  /** Folder that holds only `index.js` (the asset to archive). */
  readonly directory: string;
  /** Size of `index.js` in bytes. */
  readonly sizeBytes: number;
  /** SHA-256 of `index.js`, hex. */
  readonly sha256Hex: string;
  /** SHA-256 of `index.js`, base64 (the form `source_code_hash` uses). */
  readonly sha256Base64: string;
}

/** Entry point of the handler. */
export const HANDLER_ENTRY = join(__dirname, "handler", "index.ts");

/** Modules left out of the bundle: the runtime's AWS SDK, and pg's optional native and Workers back ends. */
export const BUNDLE_EXTERNALS: readonly string[] = ["@aws-sdk/*", "pg-native", "pg-cloudflare"];

/** Root folder of the bundle cache. */
export function bundleCacheRoot(): string {
  return join(tmpdir(), "hr-chatbot-db-bootstrap");
}

const memo = new Map<string, HandlerBundle>();

/** Bundle the handler with `migrations` compiled in; returns the cached folder when the output is unchanged. */
export function bundleHandler(migrations: readonly Migration[]): HandlerBundle {
  const key = JSON.stringify(migrations);
  const cached = memo.get(key);
  if (cached && existsSync(join(cached.directory, "index.js"))) return cached;

  const result = buildSync({
    entryPoints: [HANDLER_ENTRY],
    absWorkingDir: __dirname,
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
    define: { __DB_BOOTSTRAP_MIGRATIONS__: key },
    write: false,
    logLevel: "silent",
  });
  if (result.errors.length > 0) {
    throw new Error(`bundling ${HANDLER_ENTRY} failed: ${result.errors.map((e) => e.text).join("; ")}`);
  }
  const output = result.outputFiles.find((f) => f.path.endsWith("index.js"));
  if (!output) throw new Error(`bundling ${HANDLER_ENTRY} produced no index.js`);

  const code = Buffer.from(output.contents);
  const hash = createHash("sha256").update(code);
  const sha256Hex = hash.copy().digest("hex");
  const sha256Base64 = hash.digest("base64");
  const directory = join(bundleCacheRoot(), sha256Hex.slice(0, 32));
  const file = join(directory, "index.js");
  if (!existsSync(file) || !readFileSync(file).equals(code)) {
    mkdirSync(directory, { recursive: true });
    // write then rename, so a concurrent synth never sees a half-written file
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temp, code, { mode: 0o644 });
    renameSync(temp, file);
  }
  const bundle: HandlerBundle = { directory, sizeBytes: code.length, sha256Hex, sha256Base64 };
  memo.set(key, bundle);
  return bundle;
}
