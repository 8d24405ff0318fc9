/**
 * The rotation function's code on disk: `handler/index.ts` bundled by the
 * same esbuild build as the db-bootstrap handler (one minified CommonJS file
 * with `pg` and the Amazon RDS certificate authorities inside, the AWS SDK
 * left to the Lambda runtime). The package ships it prebuilt
 * (`handler-bundle/index.js`); run from the TypeScript sources it is built at
 * synth time with the same options, so both give the same bytes. The folder
 * goes under the OS temp directory, named after the SHA-256 of the code.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HandlerBundle, buildHandlerCode } from "../db-bootstrap/bundle";

/** Entry point of the handler (TypeScript source). */
export const ROTATION_HANDLER_ENTRY = join(__dirname, "handler", "index.ts");

/** The handler built with the package: `handler-bundle/index.js` next to this file in the compiled package. */
export const PREBUILT_ROTATION_HANDLER = join(__dirname, "handler-bundle", "index.js");

let memo: HandlerBundle | undefined;

/** The handler folder (only `index.js`); built once per process. */
export function rotationHandlerBundle(): HandlerBundle {
  if (memo && existsSync(join(memo.directory, "index.js"))) return memo;
  const code = existsSync(PREBUILT_ROTATION_HANDLER)
    ? readFileSync(PREBUILT_ROTATION_HANDLER)
    : buildHandlerCode(ROTATION_HANDLER_ENTRY);
  const hash = createHash("sha256").update(code);
  const sha256Hex = hash.copy().digest("hex");
  const directory = join(tmpdir(), "hr-chatbot-secret-rotation", sha256Hex.slice(0, 32));
  mkdirSync(directory, { recursive: true });
  const file = join(directory, "index.js");
  if (!existsSync(file) || !readFileSync(file).equals(code)) {
    // write then rename: a concurrent synth never sees half a file
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temp, code, { mode: 0o644 });
    renameSync(temp, file);
  }
  memo = { directory, sizeBytes: code.length, sha256Hex, sha256Base64: hash.digest("base64") };
  return memo;
}
