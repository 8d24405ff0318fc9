/**
 * Migration records and their checksums. Shared by the construct (which reads
 * the migration files at synth time) and the Lambda handler (which checks the
 * bundled list again before it touches the database), so both compute exactly
 * the same values.
 */
import { createHash } from "node:crypto";

/** One SQL migration as it is bundled into the function. */
export interface Migration {
  /** File name without `.sql`, e.g. `0001_create_extension_vector`; the key in `schema_migrations`. */
  readonly name: string;
  /** The SQL text (line endings normalised to `\n`). */
  readonly sql: string;
  /** SHA-256 (hex) of `sql`. */
  readonly checksum: string;
}

/**
 * Migration names: four digits, an underscore, then lower-case letters,
 * digits and underscores (`0001_create_extension_vector`).
 */
export const MIGRATION_NAME_RE = /^(\d{4})_[a-z0-9_]+$/;

/** SHA-256 of `text` (UTF-8), hex encoded. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * Normalise SQL text so the checksum does not depend on how the file was
 * checked out: a leading byte-order mark is dropped and CRLF becomes LF.
 */
export function normaliseSql(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
}

/** Build a {@link Migration} from its name and SQL text. */
export function makeMigration(name: string, sql: string): Migration {
  const text = normaliseSql(sql);
  return { name, sql: text, checksum: sha256Hex(text) };
}

/**
 * Checksum of a whole migration list: SHA-256 over each migration's name and
 * checksum, in order. It changes when any migration is added, removed,
 * renamed or edited.
 */
export function migrationsChecksum(migrations: readonly Pick<Migration, "name" | "checksum">[]): string {
  return sha256Hex(migrations.map((m) => `${m.name}\n${m.checksum}\n`).join(""));
}

/**
 * The first problem with a migration list, or `undefined` when it is usable:
 * non-empty, valid names in strictly increasing order with distinct numbers,
 * non-blank SQL, and checksums that match the SQL.
 */
export function migrationListProblem(migrations: readonly Migration[]): string | undefined {
  if (migrations.length === 0) return "there are no migrations";
  const numbers = new Set<string>();
  let previous = "";
  for (const m of migrations) {
    const match = MIGRATION_NAME_RE.exec(m.name);
    if (!match) return `migration name "${m.name}" must look like 0001_lower_case_words`;
    if (numbers.has(match[1])) return `migration number ${match[1]} is used twice`;
    numbers.add(match[1]);
    if (m.name <= previous) return `migration "${m.name}" is out of order (after "${previous}")`;
    previous = m.name;
    if (m.sql.trim() === "") return `migration "${m.name}" is empty`;
    if (sha256Hex(m.sql) !== m.checksum)
      return `migration "${m.name}" has a checksum that does not match its SQL`;
  }
  return undefined;
}
