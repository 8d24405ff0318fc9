/**
 * The application's database role and secrets, made by the bootstrap function
 * on every run (a repeatable step after the versioned migrations).
 *
 * - The role `<database>_app` (configurable): LOGIN, NOSUPERUSER, NOCREATEROLE,
 *   NOCREATEDB; CONNECT on the database, USAGE and CREATE on schema `public`
 *   (the application creates its own tables), SELECT/INSERT/UPDATE/DELETE on
 *   the tables and USAGE/SELECT/UPDATE on the sequences of `public`, also
 *   for those the master user creates later (default privileges); nothing on
 *   `schema_migrations`. The pgvector type and functions are usable through
 *   PUBLIC's default USAGE/EXECUTE.
 * - The connection secret `{host, port, database, username, password}` and
 *   the JWT secret `{secret_key, algorithm}` are written with PutSecretValue
 *   only when they hold no valid value, so a second run writes nothing.
 * - The secret is the source of truth for the role's password: when it holds
 *   a valid password, the role's password is set from it on every run
 *   (PostgreSQL cannot tell whether the stored verifier matches without a
 *   superuser's read of `pg_authid`, which Aurora's master user lacks).
 *
 * Passwords reach PostgreSQL only as SCRAM-SHA-256 verifiers: DDL cannot bind
 * parameters, and `log_statement = ddl` would write a plain password in an
 * `ALTER ROLE ... PASSWORD '...'` to the database log. The verifier is quoted
 * with `pg`'s `escapeLiteral`, identifiers with `escapeIdentifier`. All SQL
 * goes through {@link SqlClient}, so it runs over any transport.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, randomInt } from "node:crypto";
import { escapeIdentifier, escapeLiteral } from "pg";
import type { DbCredentials, SqlClient } from "./migrate";

/**
 * The part of a Secrets Manager client the function uses; the AWS SDK's
 * aggregated `SecretsManager` client has this shape.
 */
export interface SecretsManagerLike {
  getSecretValue(input: { SecretId: string }): Promise<{ SecretString?: string }>;
  putSecretValue(input: { SecretId: string; SecretString: string }): Promise<unknown>;
}

/** What to create and where to write it. */
export interface AppCredentialsConfig {
  /** Name of the application's database role. */
  readonly roleName: string;
  /** Name or ARN of the connection secret `{host, port, database, username, password}`. */
  readonly databaseSecretId: string;
  /** The JWT secret `{secret_key, algorithm}`, when the function writes one. */
  readonly appSecret?: { readonly secretId: string; readonly algorithm: string };
}

/** What a run did (no values). */
export interface AppCredentialsResult {
  /** The application role. */
  readonly role: string;
  /** Whether this run created the role (else it existed and was brought in line). */
  readonly roleCreated: boolean;
  /** Names of the secrets this run wrote a value to. */
  readonly secretsWritten: string[];
}

/** Length of generated passwords. */
export const PASSWORD_LENGTH = 32;
/** Length of the generated JWT signing key in bytes. */
export const JWT_KEY_BYTES = 64;
/**
 * Letters and digits only: a password from this alphabet needs no escaping in
 * a connection URL (`@ : / ? # %`), a libpq keyword string (quotes, spaces,
 * backslashes) or a shell. 32 characters carry about 190 bits.
 */
const PASSWORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random password of `length` letters and digits (uniform: `crypto.randomInt`). */
export function generatePassword(length = PASSWORD_LENGTH): string {
  let out = "";
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password`
 * (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, RFC 5802 and
 * RFC 7677). PostgreSQL stores a string of this form as it is, so the
 * password itself never reaches the server.
 * @see https://www.postgresql.org/docs/current/catalog-pg-authid.html
 */
export function scramSha256Verifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  // PostgreSQL applies SASLprep; letters and digits are unchanged by it.
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** The value of a secret, or undefined when it has none (no AWSCURRENT version). */
async function currentValue(sm: SecretsManagerLike, secretId: string): Promise<string | undefined> {
  try {
    const out = await sm.getSecretValue({ SecretId: secretId });
    return out.SecretString;
  } catch (err) {
    // a secret created without a value answers ResourceNotFoundException
    if ((err as { name?: unknown } | null)?.name === "ResourceNotFoundException") return undefined;
    throw err;
  }
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined || text === "") return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A stored password worth keeping: letters and digits, at least 16 of them. */
function usablePassword(value: unknown): string | undefined {
  return typeof value === "string" && /^[A-Za-z0-9]{16,}$/.test(value) ? value : undefined;
}

/** A base64 key of exactly {@link JWT_KEY_BYTES} bytes. */
function usableKey(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const bytes = Buffer.from(value, "base64");
  return bytes.length === JWT_KEY_BYTES && bytes.toString("base64") === value ? value : undefined;
}

/**
 * Create or update the application role and write the application's
 * secrets. `remember` receives every secret value this run handles, so the
 * caller can redact them from errors. Runs under the caller's migration lock.
 */
export async function ensureAppCredentials(
  client: SqlClient,
  sm: SecretsManagerLike,
  config: AppCredentialsConfig,
  master: DbCredentials,
  remember: (secret: string) => void,
  log: (line: string) => void,
): Promise<AppCredentialsResult> {
  const secretsWritten: string[] = [];
  const expected = {
    host: master.host,
    port: master.port,
    database: master.database,
    username: config.roleName,
  };

  // ---- the connection secret: keep a valid password, else generate one
  const stored = parseObject(await currentValue(sm, config.databaseSecretId));
  const kept = usablePassword(stored?.password);
  const password = kept ?? generatePassword();
  remember(password);
  const upToDate =
    kept !== undefined &&
    stored?.host === expected.host &&
    Number(stored?.port) === expected.port &&
    stored?.database === expected.database &&
    stored?.username === expected.username;

  // ---- the role, its password and its privileges, in one transaction
  const roleCreated = await ensureRole(client, config.roleName, password, master.database);
  log(`db-bootstrap: role ${config.roleName} ${roleCreated ? "created" : "updated"}`);

  if (!upToDate) {
    await sm.putSecretValue({
      SecretId: config.databaseSecretId,
      SecretString: JSON.stringify({ ...expected, password }),
    });
    secretsWritten.push(config.databaseSecretId);
    log(`db-bootstrap: wrote secret ${config.databaseSecretId}`);
  }

  // ---- the JWT signing key
  if (config.appSecret) {
    const { secretId, algorithm } = config.appSecret;
    const current = parseObject(await currentValue(sm, secretId));
    const key = usableKey(current?.secret_key);
    if (key !== undefined) remember(key);
    if (key === undefined || current?.algorithm !== algorithm) {
      const secretKey = key ?? randomBytes(JWT_KEY_BYTES).toString("base64");
      remember(secretKey);
      await sm.putSecretValue({
        SecretId: secretId,
        SecretString: JSON.stringify({ secret_key: secretKey, algorithm }),
      });
      secretsWritten.push(secretId);
      log(`db-bootstrap: wrote secret ${secretId}`);
    }
  }
  return { role: config.roleName, roleCreated, secretsWritten };
}

/** Create the role or bring it in line; true when it was created. */
async function ensureRole(
  client: SqlClient,
  roleName: string,
  password: string,
  database: string,
): Promise<boolean> {
  const role = escapeIdentifier(roleName);
  const verifier = escapeLiteral(scramSha256Verifier(password));
  await client.query("BEGIN");
  try {
    const { rows } = await client.query("SELECT rolsuper FROM pg_roles WHERE rolname = $1", [roleName]);
    const exists = rows.length > 0;
    if (exists && rows[0].rolsuper === true) {
      throw new Error(`role ${roleName} is a superuser; the application role must not be one`);
    }
    if (exists) {
      // Only a superuser may name SUPERUSER, REPLICATION or BYPASSRLS in ALTER ROLE
      // (PostgreSQL 16+), so those stay as checked above / as created.
      await client.query(`ALTER ROLE ${role} WITH LOGIN NOCREATEROLE NOCREATEDB PASSWORD ${verifier}`);
    } else {
      await client.query(
        `CREATE ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD ${verifier}`,
      );
    }
    for (const sql of privilegeStatements(role, escapeIdentifier(database))) await client.query(sql);
    await client.query("COMMIT");
    return !exists;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/**
 * The role's privileges, each statement idempotent. The application creates
 * its own tables (USAGE and CREATE on `public`); it reads and writes the
 * tables the master user creates there, now and later (default privileges);
 * the migration record stays the master's.
 */
export function privilegeStatements(role: string, database: string): string[] {
  return [
    `GRANT CONNECT ON DATABASE ${database} TO ${role}`,
    `GRANT USAGE, CREATE ON SCHEMA public TO ${role}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`,
    `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
    `REVOKE ALL ON TABLE schema_migrations FROM ${role}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${role}`,
  ];
}
