/**
 * Reading the migration folder at synth time. Every `*.sql` file must be named
 * `NNNN_lower_case_words.sql`; files are applied in name order. Other files
 * (notes, a README) are ignored.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fail } from "../core";
import { MIGRATION_NAME_RE, type Migration, makeMigration, migrationsChecksum } from "./handler/checksum";

/** The migrations of a folder and the checksum of the whole list. */
export interface MigrationSet {
  /** Migrations in the order they are applied. */
  readonly migrations: readonly Migration[];
  /** SHA-256 over every migration's name and checksum ({@link migrationsChecksum}). */
  readonly checksum: string;
}

/** The module's own migrations (`migrations/`). */
export const DEFAULT_MIGRATIONS_DIR = join(__dirname, "migrations");

/**
 * Load and check the migrations of `dir`. Throws a ConfigError naming `field`
 * when the folder is missing or empty, a `.sql` file is misnamed or empty, or
 * two files share a number.
 */
export function loadMigrations(dir: string, field = "migrationsDir"): MigrationSet {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) fail(field, dir, "must be a folder of .sql migrations");
    entries = readdirSync(dir);
  } catch (err) {
    if (err instanceof Error && err.name === "ConfigError") throw err;
    fail(field, dir, "must be a folder of .sql migrations (it cannot be read)");
  }
  const files = entries.filter((f) => f.toLowerCase().endsWith(".sql")).sort();
  if (files.length === 0) fail(field, dir, "contains no .sql migrations");
  const numbers = new Map<string, string>();
  const migrations = files.map((file) => {
    const name = file.slice(0, -".sql".length);
    const match = file.endsWith(".sql") ? MIGRATION_NAME_RE.exec(name) : null;
    if (!match) {
      fail(
        `${field}/${file}`,
        file,
        "must be named NNNN_lower_case_words.sql (four digits, then a-z, 0-9, _)",
      );
    }
    const other = numbers.get(match[1]);
    if (other !== undefined) fail(`${field}/${file}`, file, `uses number ${match[1]} like ${other}`);
    numbers.set(match[1], file);
    const migration = makeMigration(name, readFileSync(join(dir, file), "utf8"));
    if (migration.sql.trim() === "") fail(`${field}/${file}`, file, "is empty");
    return migration;
  });
  return { migrations, checksum: migrationsChecksum(migrations) };
}
