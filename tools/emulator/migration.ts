/**
 * The local run of the migration invocation (README workaround 5): moto runs
 * Lambda code only in Docker, so the stand-in of `aws_lambda_invocation`
 * runs the function's real deployment package (the archive in the synthesized
 * stack's assets) in a local Node process through a `local-exec` provisioner,
 * where Terraform would invoke the function, with:
 *
 * - the function's own environment variables (`DB_SECRET_NAME`, ...), and the
 *   invocation's input;
 * - `AWS_ENDPOINT_URL` at the emulator, the region and the lane's keys, so its
 *   AWS SDK reads the secrets from the emulator's Secrets Manager (the Lambda
 *   runtime provides the SDK; here `NODE_PATH` finds the repository's);
 * - `DB_SSL_MODE=disable` (PGlite has no TLS) and connections to the Aurora
 *   endpoint host redirected to a local PGlite with pgvector
 *   (`db-redirect.cjs`), since nothing serves the emulator's cluster endpoint.
 */
import { join } from "node:path";
import { Client, escapeIdentifier } from "pg";
import type { EmulatorCredentials } from "./accounts";
import { REPO_ROOT } from "./moto";

/** Where the local run sends its calls. */
export interface LocalInvocationContext {
  /** Emulator endpoint, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: EmulatorCredentials;
  /** Port of the local PostgreSQL-compatible server on 127.0.0.1. */
  readonly databasePort: number;
}

/** The runner (unzips the package, calls the handler once). */
export const INVOKE_RUNNER = join(__dirname, "invoke-handler.cjs");

/** The preload that redirects Aurora endpoint connections to the local server. */
export const DB_REDIRECT_PRELOAD = join(__dirname, "db-redirect.cjs");

/** Variables of the function replaced or left out in the local run, and why. */
export const LOCAL_RUN_CHANGES =
  "DB_SSL_MODE=disable (the local server has no TLS); NODE_EXTRA_CA_CERTS left out (the Lambda runtime's CA file); " +
  "connections to *.rds.amazonaws.com:* go to the local PGlite server, whose catalog also has the cluster's " +
  "database name (PGlite serves one database; CREATE DATABASE only adds the name, for GRANT CONNECT ON DATABASE)";

/** What the local run of a Data API package changes in addition, and why. */
export const LOCAL_RUN_DATA_API_CHANGES =
  "the package's Data API mode is not run: DB_CLUSTER_ARN left out and DB_SECRET_ARN (the RDS-managed master " +
  "user secret) passed as MASTER_USER_SECRET_ID, so the same package runs its PostgreSQL mode against the local " +
  "PGlite (moto's rds-data executes no SQL: ExecuteStatement only returns results queued through moto's API)";

/** Whether a function's environment selects the bootstrap package's Data API mode. */
export function usesDataApi(fn: Record<string, unknown>): boolean {
  const variables = (fn.environment as { variables?: Record<string, unknown> } | undefined)?.variables;
  return typeof variables?.DB_CLUSTER_ARN === "string";
}

/** The first line `EMULATOR INVOCATION RESULT <json>` of a terraform output, parsed. */
export function invocationResult(output: string): unknown {
  const m = /EMULATOR INVOCATION RESULT (.*)$/m.exec(output);
  if (!m) return undefined;
  try {
    return JSON.parse(m[1].trim()) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The `local-exec` provisioner of the stand-in: runs the package of
 * `fn` (the invoked `aws_lambda_function`'s configuration) with `input`.
 */
export function localInvocationProvisioner(
  fn: Record<string, unknown>,
  input: unknown,
  ctx: LocalInvocationContext,
): Record<string, unknown> {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(ctx.endpoint))
    throw new Error(`emulator endpoint ${ctx.endpoint} must be http://127.0.0.1:<port>`);
  const variables = {
    ...(((fn.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {}) as Record<
      string,
      string
    >),
  };
  delete variables.NODE_EXTRA_CA_CERTS;
  if (usesDataApi(fn)) {
    // LOCAL_RUN_DATA_API_CHANGES: the PostgreSQL mode, signing in with the same master user secret
    variables.MASTER_USER_SECRET_ID = variables.DB_SECRET_ARN;
    delete variables.DB_CLUSTER_ARN;
    delete variables.DB_SECRET_ARN;
  }
  const environment: Record<string, unknown> = {
    ...variables,
    DB_SSL_MODE: "disable",
    AWS_ENDPOINT_URL: ctx.endpoint,
    AWS_REGION: ctx.region,
    AWS_ACCESS_KEY_ID: ctx.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ctx.credentials.secretAccessKey,
    NODE_PATH: join(REPO_ROOT, "node_modules"),
    NODE_OPTIONS: `--require ${DB_REDIRECT_PRELOAD}`,
    EMULATOR_DB_PORT: String(ctx.databasePort),
    EMULATOR_INVOCATION_INPUT: input,
  };
  const handler = typeof fn.handler === "string" ? fn.handler : "index.handler";
  return {
    "local-exec": {
      command: `"${process.execPath}" "${INVOKE_RUNNER}" "${String(fn.filename)}" "${handler}"`,
      environment,
    },
  };
}

/**
 * Add `database` to the catalog of the local PGlite server on 127.0.0.1:`port`
 * (LOCAL_RUN_CHANGES). PGlite serves one database whatever name a client asks
 * for; the bootstrap function's `GRANT CONNECT ON DATABASE <name>` needs the
 * name in `pg_database`.
 */
export async function addLocalDatabaseName(port: number, database: string): Promise<void> {
  const client = new Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
