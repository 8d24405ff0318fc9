export * from "./db-bootstrap";
export { type MigrationSet, DEFAULT_MIGRATIONS_DIR, loadMigrations } from "./migrations";
export { type HandlerBundle, bundleHandler } from "./bundle";
export { type Migration, makeMigration, migrationsChecksum } from "./handler/checksum";
