/**
 * PostgreSQL naming rules shared by the secrets module (master user name) and
 * the database module (initial database name), so both reject the same
 * identifiers that Aurora PostgreSQL would refuse at create time.
 */
import { fail } from "./core";

/**
 * PostgreSQL keywords that cannot be used as a role or database name without
 * quoting (categories "reserved" and "reserved, can be function or type" of
 * `pg_get_keywords()`). RDS rejects them as master user or database names.
 */
export const POSTGRES_RESERVED_WORDS: ReadonlySet<string> = new Set([
  "all",
  "analyse",
  "analyze",
  "and",
  "any",
  "array",
  "as",
  "asc",
  "asymmetric",
  "authorization",
  "binary",
  "both",
  "case",
  "cast",
  "check",
  "collate",
  "collation",
  "column",
  "concurrently",
  "constraint",
  "create",
  "cross",
  "current_catalog",
  "current_date",
  "current_role",
  "current_schema",
  "current_time",
  "current_timestamp",
  "current_user",
  "default",
  "deferrable",
  "desc",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "false",
  "fetch",
  "for",
  "foreign",
  "freeze",
  "from",
  "full",
  "grant",
  "group",
  "having",
  "ilike",
  "in",
  "initially",
  "inner",
  "intersect",
  "into",
  "is",
  "isnull",
  "join",
  "lateral",
  "leading",
  "left",
  "like",
  "limit",
  "localtime",
  "localtimestamp",
  "natural",
  "not",
  "notnull",
  "null",
  "offset",
  "on",
  "only",
  "or",
  "order",
  "outer",
  "overlaps",
  "placing",
  "primary",
  "references",
  "returning",
  "right",
  "select",
  "session_user",
  "similar",
  "some",
  "symmetric",
  "system_user",
  "table",
  "tablesample",
  "then",
  "to",
  "trailing",
  "true",
  "union",
  "unique",
  "user",
  "using",
  "variadic",
  "verbose",
  "when",
  "where",
  "window",
  "with",
]);

const IDENTIFIER_RE = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/**
 * Validate a PostgreSQL identifier as Aurora accepts it for the master user
 * name or the initial database name: 1-63 letters, digits or underscores,
 * starting with a letter, not a reserved keyword.
 */
export function validatePostgresIdentifier(field: string, value: string): string {
  if (typeof value !== "string" || !IDENTIFIER_RE.test(value)) {
    fail(field, value, "must be 1-63 letters, digits or underscores, starting with a letter");
  }
  if (POSTGRES_RESERVED_WORDS.has(value.toLowerCase())) {
    fail(field, value, "is a reserved PostgreSQL keyword");
  }
  return value;
}

/**
 * Validate the master user name of an Aurora PostgreSQL cluster: an identifier
 * (see {@link validatePostgresIdentifier}) that is not one of the roles RDS or
 * PostgreSQL keep for themselves (`rdsadmin`, `rds_*`, `pg_*`, `public`, `none`).
 */
export function validatePostgresUsername(field: string, value: string): string {
  validatePostgresIdentifier(field, value);
  const lower = value.toLowerCase();
  if (lower === "rdsadmin" || lower.startsWith("rds_") || lower.startsWith("pg_")) {
    fail(field, value, "is reserved by RDS or PostgreSQL (rdsadmin, rds_*, pg_*)");
  }
  if (lower === "public" || lower === "none") {
    fail(field, value, "is a reserved PostgreSQL role name");
  }
  return value;
}
