import { mkdtempSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { unzipSync } from "fflate";
import { zipDirectory, zipFiles } from "./zip";

function sampleDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "zip-src-"));
  mkdirSync(join(dir, "lib"));
  writeFileSync(join(dir, "index.js"), "exports.handler = async () => ({ statusCode: 200 });\n");
  writeFileSync(join(dir, "lib", "util.js"), "module.exports = 1;\n");
  return dir;
}

describe("deterministic zip", () => {
  it("packages every file with relative, /-separated paths", () => {
    const archive = zipDirectory(sampleDir());
    const entries = unzipSync(readFileSync(archive.path));
    expect(Object.keys(entries).sort()).toEqual(["index.js", "lib/util.js"]);
    expect(new TextDecoder().decode(entries["lib/util.js"])).toBe("module.exports = 1;\n");
  });

  it("gives the same bytes for the same files whatever their modification times", () => {
    const a = sampleDir();
    const b = sampleDir();
    utimesSync(join(b, "index.js"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const za = zipDirectory(a);
    const zb = zipDirectory(b);
    expect(za.sha256Base64).toBe(zb.sha256Base64);
    expect(za.path).toBe(zb.path);
  });

  it("reports the archive's SHA-256 in base64 (Lambda's CodeSha256) and its size", () => {
    const archive = zipFiles({ "index.js": "x" });
    const bytes = readFileSync(archive.path);
    expect(archive.sha256Base64).toBe(createHash("sha256").update(bytes).digest("base64"));
    expect(archive.sizeBytes).toBe(bytes.length);
  });

  it("changes when a file changes", () => {
    expect(zipFiles({ "index.js": "a" }).sha256Base64).not.toBe(zipFiles({ "index.js": "b" }).sha256Base64);
  });

  it("refuses an empty directory", () => {
    expect(() => zipDirectory(mkdtempSync(join(tmpdir(), "zip-empty-")))).toThrow("has no files to package");
  });
});
