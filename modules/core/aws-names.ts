/**
 * Naming rules of AWS identifiers that several modules validate: S3 bucket
 * names (regions and zones: ./regions.ts). Each rule has a `...Problem` function that returns
 * the broken rule as text (for zod refinements) and a `validate...` function
 * that throws a {@link ConfigError} naming the field.
 */
import { fail } from "./core";

/** Options for {@link s3BucketNameProblem}. */
export interface S3BucketNameOptions {
  /**
   * Accept periods in the name. AWS allows them, but a dotted name breaks the
   * TLS certificate check of virtual-hosted-style HTTPS requests
   * (`my.bucket.s3.amazonaws.com` does not match `*.s3.amazonaws.com`).
   * @default false
   */
  readonly allowPeriods?: boolean;
}

const BUCKET_CHARS_RE = /^[a-z0-9.-]+$/;
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"] as const;
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] as const;

/**
 * The S3 general purpose bucket naming rule `name` breaks, or `undefined`
 * when it is valid.
 */
export function s3BucketNameProblem(name: string, options: S3BucketNameOptions = {}): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3-63 characters long";
  if (!BUCKET_CHARS_RE.test(name)) return "must contain only lower-case letters, digits, hyphens and periods";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "must begin and end with a letter or digit";
  if (name.includes("..")) return "must not contain two adjacent periods";
  if (IPV4_RE.test(name)) return "must not be formatted as an IP address";
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `must not start with the reserved prefix "${prefix}"`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `must not end with the reserved suffix "${suffix}"`;
  if (!options.allowPeriods && name.includes(".")) {
    return "must not contain periods (HTTPS requests to a dotted bucket name fail the certificate check)";
  }
  return undefined;
}

/** Validate an S3 bucket name; throws a ConfigError naming `field`. */
export function validateS3BucketName(
  field: string,
  value: string,
  options: S3BucketNameOptions = {},
): string {
  const problem = s3BucketNameProblem(value, options);
  if (problem) fail(field, value, problem);
  return value;
}
