/**
 * Deterministic zip archives for Lambda packages, built in-process.
 *
 * cdktf's archive assets zip a directory in a child process on every synth
 * (about 0.2 s each) and stamp entries with file modification times, so a
 * fresh checkout produces a different archive for the same code. Here the
 * archive is built with fflate from the sorted file list with a fixed
 * timestamp and mode: the same files always give the same bytes, the same
 * SHA-256 (Lambda's CodeSha256, used as `source_code_hash`) and the same
 * asset hash. Archives are cached under the OS temp directory by content.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { zipSync, type Zippable } from "fflate";

/** A built archive. */
export interface ZipArchive {
  /** Absolute path of the .zip file. */
  readonly path: string;
  /** SHA-256 of the archive, base64: the form Lambda reports as CodeSha256. */
  readonly sha256Base64: string;
  /** Size of the archive in bytes. */
  readonly sizeBytes: number;
}

/** Fixed entry timestamp (the earliest a zip can hold), so archives do not depend on checkout times. */
const ZIP_EPOCH = new Date(1980, 0, 1, 0, 0, 0);
/** Regular file, rw-r--r--, in the Unix external attributes. */
const FILE_ATTRS = (0o100644 << 16) >>> 0;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** Zip in-memory files (archive path -> content) deterministically, cached by content. */
export function zipFiles(files: Readonly<Record<string, Uint8Array | string>>): ZipArchive {
  const entries: Zippable = {};
  for (const name of Object.keys(files).sort()) {
    const content = files[name];
    const data = typeof content === "string" ? new TextEncoder().encode(content) : content;
    entries[name] = [data, { mtime: ZIP_EPOCH, level: 9, os: 3, attrs: FILE_ATTRS }];
  }
  const bytes = zipSync(entries);
  const hash = createHash("sha256").update(bytes);
  const hex = hash.copy().digest("hex");
  const dir = join(tmpdir(), "cdktf-lambda-zips");
  const path = join(dir, `${hex.slice(0, 32)}.zip`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, bytes);
    renameSync(partial, path);
  }
  return { path, sha256Base64: hash.digest("base64"), sizeBytes: bytes.length };
}

/** Zip every file under `dir` (paths relative to it, `/`-separated) deterministically. */
export function zipDirectory(dir: string): ZipArchive {
  const files: Record<string, Uint8Array> = {};
  for (const file of listFiles(dir)) files[relative(dir, file).split(sep).join("/")] = readFileSync(file);
  if (Object.keys(files).length === 0) throw new Error(`${dir} has no files to package`);
  return zipFiles(files);
}
