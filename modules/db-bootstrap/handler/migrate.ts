/**
 * The migration runner behind the database bootstrap function.
 *
 * One run: read the database credentials, connect with `pg` (TLS by default)
 * or the RDS Data API (./data-api.ts), create `schema_migrations` when
 * missing, refuse to continue when an applied migration was edited, renamed or
 * removed, apply every pending migration in its own transaction, then check
 * that `'[1,2,3]'::vector` works.
 *
 * Concurrent runs queue instead of racing: every transaction first takes a
 * transaction-level advisory lock (`pg_try_advisory_xact_lock`), and a
 * migration's transaction checks again under that lock that no other run
 * recorded it meanwhile. The lock ends with its transaction (COMMIT, ROLLBACK
 * or a dropped connection), so a crashed run never leaves it held; a
 * session-level lock would not work over the Data API, where consecutive calls
 * outside a transaction may use different pooled connections.
 *
 * Error messages name the failing step or migration and carry the SQL error;
 * they never contain the password (it is redacted from every message as a
 * last line of defence) and no connection string is ever built.
 */
import {
  type AppCredentialsConfig,
  type AppCredentialsResult,
  type SecretsManagerLike,
  ensureAppCredentials,
} from "./app-credentials";
import {
  type ClientFactory,
  type ConnectionConfig,
  type SqlClient,
  type SslMode,
  type TlsTrust,
  SSL_MODES,
  connectClient,
  pgClientFactory,
  pgSslOptions,
} from "../../core/handler/pg-connect";
import { type Migration, migrationListProblem, migrationsChecksum } from "./checksum";

/** Connection details: the master user's, from its secret and the function's environment. */
export interface DbCredentials {
  /** Writer endpoint host name. */
  readonly host: string;
  /** Port the database listens on. */
  readonly port: number;
  /** Database to migrate. */
  readonly database: string;
  /** User to connect as. */
  readonly username: string;
  /** That user's password. */
  readonly password: string;
}

// The connection helper is shared with the other handlers of this library;
// its types stay importable from here.
export type {
  ClientFactory,
  ConnectionConfig,
  SqlClient,
  SslMode,
  TlsTrust,
} from "../../core/handler/pg-connect";

/** Options of {@link createHandler}. */
export interface HandlerOptions {
  /**
   * Returns the master user's connection details (the Lambda entry reads the
   * user name and password from the master user secret, the rest from its
   * environment).
   */
  readonly getCredentials: () => Promise<DbCredentials>;
  /**
   * Create the application role and write the application's secrets after
   * the migrations (see ./app-credentials.ts).
   * @default nothing: migrations only
   */
  readonly appCredentials?: {
    readonly config: AppCredentialsConfig;
    /** Secrets Manager client (the AWS SDK's `SecretsManager`, or a stand-in). */
    readonly secretsManager: SecretsManagerLike;
  };
  /** The migrations to apply, ordered by name. */
  readonly migrations: readonly Migration[];
  /**
   * Creates the database client.
   * @default a `pg.Client`
   */
  readonly clientFactory?: ClientFactory;
  /**
   * TLS mode of the connection.
   * @default "verify-full"
   */
  readonly sslMode?: SslMode;
  /**
   * What `verify-full` trusts.
   * @default the Amazon RDS certificate authorities bundled with the function, and the host name
   */
  readonly tls?: TlsTrust;
  /**
   * How long to wait for another run's migration lock. With a Lambda context
   * the wait also ends 20 s before the function would time out.
   * @default 60000
   */
  readonly lockWaitMs?: number;
  /**
   * Pause between two attempts to take the migration lock.
   * @default 1000
   */
  readonly lockPollMs?: number;
  /**
   * Connection attempts before giving up (network errors and "the database
   * system is starting up" are retried; authentication errors are not).
   * @default 3
   */
  readonly connectAttempts?: number;
  /**
   * Pause between two connection attempts.
   * @default 5000
   */
  readonly retryDelayMs?: number;
  /**
   * Where progress lines go.
   * @default console.log
   */
  readonly log?: (line: string) => void;
}

/** The part of the Lambda context the handler uses. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

/** The input Terraform sends. */
export interface BootstrapEvent {
  /** Only `migrate` exists. */
  readonly action: "migrate";
  /**
   * Checksum of the migration list the configuration was synthesized with.
   * When present it must equal the bundled list's checksum.
   */
  readonly checksum?: string;
}

/** What a successful run returns (and Terraform keeps as the invocation result). */
export interface BootstrapResult {
  /** Migrations applied by this run, in order. */
  readonly applied: string[];
  /** Migrations that were already applied. */
  readonly skipped: string[];
  /** `SELECT '[1,2,3]'::vector` worked. */
  readonly vectorCheck: "ok";
  /** Checksum of the bundled migration list. */
  readonly checksum: string;
  /** What the run did to the application role and secrets (names only), when configured. */
  readonly appCredentials?: AppCredentialsResult;
}

/** The handler {@link createHandler} returns. */
export type BootstrapHandler = (event: unknown, context?: LambdaContextLike) => Promise<BootstrapResult>;

/** A failed run; the message is safe to show (no password). */
export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BootstrapError";
  }
}

/** Key of the transaction-level advisory lock that serialises runs (any fixed bigint). */
export const LOCK_KEY = "4157031262";

/** Table that records applied migrations. */
export const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

const LOCK_MARGIN_MS = 20_000;
const REDACTED = "[redacted]";

/** Build the Lambda handler. Throws when the migration list itself is unusable. */
export function createHandler(options: HandlerOptions): BootstrapHandler {
  const problem = migrationListProblem(options.migrations);
  if (problem) throw new BootstrapError(`the bundled migrations are unusable: ${problem}`);
  const checksum = migrationsChecksum(options.migrations);

  return async (event, context) => {
    // every secret value this run sees, redacted from any error
    const secrets: string[] = [];
    try {
      parseEvent(event, checksum);
      const credentials = await options.getCredentials();
      secrets.push(credentials.password);
      const lockWaitMs = options.lockWaitMs ?? 60_000;
      const wait = context
        ? Math.min(lockWaitMs, context.getRemainingTimeInMillis() - LOCK_MARGIN_MS)
        : lockWaitMs;
      const result = await migrate(credentials, options, checksum, Date.now() + Math.max(0, wait), (s) =>
        secrets.push(s),
      );
      (options.log ?? console.log)(`db-bootstrap: done ${JSON.stringify(result)}`);
      return result;
    } catch (err) {
      throw safeError(err, secrets);
    }
  };
}

/** Check the invocation input; throws a {@link BootstrapError} naming the problem. */
export function parseEvent(event: unknown, checksum: string): BootstrapEvent {
  if (event === null || typeof event !== "object" || Array.isArray(event)) {
    throw new BootstrapError('the input must be a JSON object such as {"action": "migrate"}');
  }
  const { action, checksum: given } = event as Record<string, unknown>;
  if (action !== "migrate") {
    throw new BootstrapError(
      `unsupported action ${JSON.stringify(action) ?? "(unset)"}: the only action is "migrate"`,
    );
  }
  if (given !== undefined && given !== checksum) {
    throw new BootstrapError(
      `the input checksum ${JSON.stringify(given)} does not match the bundled migrations (${checksum}): ` +
        "the function code and the Terraform configuration come from different synths",
    );
  }
  return { action, checksum: given as string | undefined };
}

/**
 * Parse the database secret's JSON (`{host, port, database, username,
 * password}`). Messages name the secret and the field, never a value.
 */
export function parseCredentials(secretString: string | undefined, secretName: string): DbCredentials {
  if (secretString === undefined || secretString === "") {
    throw new BootstrapError(`secret ${secretName} has no string value`);
  }
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    // JSON.parse quotes part of its input in its message: never pass it on.
    throw new BootstrapError(`secret ${secretName} is not valid JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BootstrapError(`secret ${secretName} must hold a JSON object`);
  }
  const doc = value as Record<string, unknown>;
  const text = (field: string): string => {
    const v = doc[field];
    if (typeof v !== "string" || v === "") {
      throw new BootstrapError(`secret ${secretName} field "${field}" must be a non-empty string`);
    }
    return v;
  };
  const rawPort = doc.port;
  const port = typeof rawPort === "string" && /^\d+$/.test(rawPort) ? Number(rawPort) : rawPort;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BootstrapError(`secret ${secretName} field "port" must be an integer from 1 to 65535`);
  }
  return {
    host: text("host"),
    port,
    database: text("database"),
    username: text("username"),
    password: text("password"),
  };
}

/**
 * The master user's connection details: user name and password from the
 * master user secret RDS manages (JSON `{username, password}`), host, port
 * and database from the function's environment (`DB_HOST`, `DB_PORT`,
 * `DB_NAME`). Messages name the secret or variable, never a value.
 */
export function masterCredentials(
  secretString: string | undefined,
  secretId: string,
  env: Readonly<Record<string, string | undefined>>,
): DbCredentials {
  const missing = ["DB_HOST", "DB_PORT", "DB_NAME"].filter((v) => !env[v]);
  if (missing.length > 0) throw new BootstrapError(`${missing.join(", ")} not set`);
  return parseCredentials(
    withEndpoint(secretString, secretId, { host: env.DB_HOST, port: env.DB_PORT, database: env.DB_NAME }),
    secretId,
  );
}

/** The secret's JSON with the endpoint fields from the environment. */
function withEndpoint(
  secretString: string | undefined,
  secretId: string,
  endpoint: Record<string, string | undefined>,
): string | undefined {
  if (secretString === undefined || secretString === "") return secretString;
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    throw new BootstrapError(`secret ${secretId} is not valid JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return secretString;
  return JSON.stringify({ ...(value as Record<string, unknown>), ...endpoint });
}

/** Parse an SSL mode setting (e.g. the `DB_SSL_MODE` variable); unset means `verify-full`. */
export function parseSslMode(value: string | undefined): SslMode {
  if (value === undefined || value === "") return "verify-full";
  if (!(SSL_MODES as readonly string[]).includes(value)) {
    throw new BootstrapError(`DB_SSL_MODE ${JSON.stringify(value)} must be one of ${SSL_MODES.join(", ")}`);
  }
  return value as SslMode;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Attempts in total (at least 1). */
  readonly attempts: number;
  /** Pause between attempts. */
  readonly delayMs: number;
  /** Whether an error is worth another attempt. */
  readonly shouldRetry: (err: unknown) => boolean;
  /** Called before each pause. */
  readonly onRetry?: (err: unknown, attempt: number) => void;
}

/** Run `fn` until it succeeds, a non-retryable error occurs, or the attempts are used up. */
export async function retry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= options.attempts || !options.shouldRetry(err)) throw err;
      options.onRetry?.(err, attempt);
      await sleep(options.delayMs);
    }
  }
}

/**
 * Describe a database error: its message, SQLSTATE, detail, hint and, when
 * `sql` is given and the error has a position, the line it points at.
 */
export function describeError(err: unknown, sql?: string): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: unknown; detail?: unknown; hint?: unknown; position?: unknown };
  let text = e.message || e.name;
  if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) text += ` (SQLSTATE ${e.code})`;
  else if (typeof e.code === "string" && !text.includes(e.code)) text += ` (${e.code})`;
  const position = typeof e.position === "string" ? Number(e.position) : NaN;
  if (sql !== undefined && Number.isInteger(position) && position > 0) {
    text += ` at line ${sql.slice(0, position - 1).split("\n").length}`;
  }
  if (typeof e.detail === "string" && e.detail) text += `; detail: ${e.detail}`;
  if (typeof e.hint === "string" && e.hint) text += `; hint: ${e.hint}`;
  return text;
}

/** A {@link BootstrapError} with every secret in `secrets` replaced by `[redacted]`. */
export function safeError(err: unknown, secrets: readonly string[]): BootstrapError {
  let message = err instanceof BootstrapError ? err.message : describeError(err);
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      message = message.split(form).join(REDACTED);
  }
  return new BootstrapError(message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Network errors and "starting up" (57P03) are transient; other SQLSTATEs (bad password, no such database) are not. */
function isTransientConnectError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code === "57P03";
  return true;
}

async function connect(credentials: DbCredentials, options: HandlerOptions): Promise<SqlClient> {
  const factory = options.clientFactory ?? pgClientFactory;
  const log = options.log ?? console.log;
  const config: ConnectionConfig = {
    host: credentials.host,
    port: credentials.port,
    database: credentials.database,
    user: credentials.username,
    password: credentials.password,
    ssl: pgSslOptions(options.sslMode ?? "verify-full", options.tls),
    connectionTimeoutMillis: 15_000,
    application_name: "db-bootstrap",
  };
  const target = `${credentials.host}:${credentials.port}/${credentials.database} as ${credentials.username}`;
  try {
    return await retry(() => connectClient(config, factory), {
      attempts: options.connectAttempts ?? 3,
      delayMs: options.retryDelayMs ?? 5000,
      shouldRetry: isTransientConnectError,
      onRetry: (err, attempt) =>
        log(`db-bootstrap: connection attempt ${attempt} failed (${describeError(err)}), retrying`),
    });
  } catch (err) {
    throw new BootstrapError(`cannot connect to ${target}: ${describeError(err)}`);
  }
}

/**
 * BEGIN a transaction that holds the migration lock; while another run holds
 * it, roll back, wait `pollMs` and try again until `deadline`.
 */
async function beginLocked(client: SqlClient, deadline: number, pollMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    await client.query("BEGIN");
    const { rows } = await client.query("SELECT pg_try_advisory_xact_lock($1::bigint) AS locked", [LOCK_KEY]);
    if (rows[0]?.locked === true) return;
    await client.query("ROLLBACK");
    if (Date.now() + pollMs > deadline) {
      const waited = Math.round((Date.now() - started) / 1000);
      throw new BootstrapError(
        `another run holds the migration lock (advisory lock ${LOCK_KEY}); gave up after ${waited} s`,
      );
    }
    await sleep(pollMs);
  }
}

/** Apply one migration in the open, locked transaction; false when another run recorded it meanwhile. */
async function applyMigration(client: SqlClient, migration: Migration): Promise<boolean> {
  try {
    const { rows } = await client.query("SELECT checksum FROM schema_migrations WHERE name = $1", [
      migration.name,
    ]);
    if (rows.length > 0) {
      await client.query("COMMIT");
      return false;
    }
    await client.query(migration.sql);
    await client.query("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", [
      migration.name,
      migration.checksum,
    ]);
    await client.query("COMMIT");
    return true;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw new BootstrapError(`migration ${migration.name} failed: ${describeError(err, migration.sql)}`);
  }
}

async function checkVector(client: SqlClient): Promise<void> {
  let value: unknown;
  try {
    const { rows } = await client.query("SELECT '[1,2,3]'::vector::text AS v");
    value = rows[0]?.v;
  } catch (err) {
    throw new BootstrapError(`vector check failed: SELECT '[1,2,3]'::vector: ${describeError(err)}`);
  }
  if (value !== "[1,2,3]") {
    throw new BootstrapError(
      `vector check failed: SELECT '[1,2,3]'::vector returned ${JSON.stringify(value)}`,
    );
  }
}

async function migrate(
  credentials: DbCredentials,
  options: HandlerOptions,
  checksum: string,
  lockDeadline: number,
  remember: (secret: string) => void,
): Promise<BootstrapResult> {
  const log = options.log ?? console.log;
  const client = await connect(credentials, options);
  const pollMs = options.lockPollMs ?? 1000;
  try {
    await beginLocked(client, lockDeadline, pollMs);
    let recorded: Map<string, string>;
    try {
      await client.query(SCHEMA_MIGRATIONS_DDL);
      const { rows } = await client.query("SELECT name, checksum FROM schema_migrations ORDER BY name");
      recorded = new Map(rows.map((r) => [String(r.name), String(r.checksum)]));
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }

    // Everything is checked before anything is applied.
    const bundled = new Set(options.migrations.map((m) => m.name));
    const unknown = [...recorded.keys()].filter((name) => !bundled.has(name));
    if (unknown.length > 0) {
      throw new BootstrapError(
        `the database has applied migrations that this function does not bundle: ${unknown.join(", ")}; ` +
          "applied migrations must never be renamed or deleted",
      );
    }
    for (const m of options.migrations) {
      const applied = recorded.get(m.name);
      if (applied !== undefined && applied !== m.checksum) {
        throw new BootstrapError(
          `migration ${m.name} was applied with checksum ${applied} but the bundled file has checksum ${m.checksum}; ` +
            "applied migrations are append-only: put the change in a new migration",
        );
      }
    }
    const latest = [...recorded.keys()].sort().at(-1);
    const pending = options.migrations.filter((m) => !recorded.has(m.name));
    const early = latest === undefined ? undefined : pending.find((m) => m.name < latest);
    if (early !== undefined) {
      throw new BootstrapError(
        `migration ${early.name} sorts before the already applied ${latest}; ` +
          "new migrations must come after every applied one (give it a higher number)",
      );
    }

    const applied: string[] = [];
    for (const m of pending) {
      await beginLocked(client, lockDeadline, pollMs);
      if (!(await applyMigration(client, m))) {
        log(`db-bootstrap: ${m.name} was applied by another run meanwhile`);
        continue;
      }
      applied.push(m.name);
      log(`db-bootstrap: applied ${m.name}`);
    }
    await checkVector(client);
    const skipped = options.migrations.filter((m) => !applied.includes(m.name)).map((m) => m.name);
    const result: BootstrapResult = { applied, skipped, vectorCheck: "ok", checksum };
    if (options.appCredentials === undefined) return result;
    const { config, secretsManager } = options.appCredentials;
    try {
      const app = await ensureAppCredentials(client, secretsManager, config, credentials, remember, log);
      return { ...result, appCredentials: app };
    } catch (err) {
      const e = err as { name?: unknown };
      const what = typeof e?.name === "string" && e.name.endsWith("Exception") ? `${e.name}: ` : "";
      throw new BootstrapError(
        `application role ${config.roleName} and secrets failed: ${what}${describeError(err)}`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
