/**
 * Lambda entry of the database bootstrap function (bundled by esbuild; see
 * ../bundle.ts).
 *
 * The migrations come from `migrations.json` next to the bundle, written at
 * synth time from the migration folder; the handler checks the list again
 * before it touches the database.
 * The master credentials come from the secret RDS manages
 * (`MASTER_USER_SECRET_ID`, JSON `{username, password}`) and the endpoint
 * from `DB_HOST`, `DB_PORT`, `DB_NAME`. The application role is
 * `APP_ROLE_NAME`; its connection secret is `DB_SECRET_NAME` and the JWT
 * secret `APP_SECRET_NAME` (algorithm `JWT_ALGORITHM`), written with
 * the AWS SDK that the Lambda Node.js runtime provides (it is not bundled).
 * `DB_SSL_MODE` selects the TLS mode (`verify-full` unless set).
 *
 * With `DB_CLUSTER_ARN` set (and `DB_SECRET_ARN`, the master user secret, and
 * `DB_NAME`), the function runs outside the VPC and sends the same statements
 * through the RDS Data API (`@aws-sdk/client-rds-data`, also the runtime's;
 * see ./data-api.ts); the Data API reads the master password itself, and the
 * application's secret still names the endpoint from `DB_HOST` and `DB_PORT`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { AppCredentialsConfig, SecretsManagerLike } from "./app-credentials";
import type { Migration } from "./checksum";
import {
  BootstrapError,
  createHandler,
  masterCredentials,
  parseSslMode,
  retry,
  type DbCredentials,
  type SqlClient,
} from "./migrate";
import {
  type DataApiTarget,
  type RdsDataSdk,
  dataApiClient,
  dataApiCredentials,
  dataApiTargetFromEnv,
} from "./data-api";

/** The migration list of this bundle; a missing or malformed file fails the function's start. */
function readMigrations(): readonly Migration[] {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(join(__dirname, "migrations.json"), "utf8"));
  } catch (err) {
    throw new BootstrapError(`cannot read the bundled migrations.json: ${(err as Error).message}`);
  }
  if (!Array.isArray(list)) throw new BootstrapError("the bundled migrations.json is not a list");
  return list as Migration[];
}

/** The part of `@aws-sdk/client-secrets-manager` used here. */
interface SecretsManagerSdk {
  SecretsManagerClient: new (config: Record<string, never>) => {
    send(command: unknown): Promise<{ SecretString?: string }>;
  };
  GetSecretValueCommand: new (input: { SecretId: string }) => unknown;
  PutSecretValueCommand: new (input: { SecretId: string; SecretString: string }) => unknown;
}

// The runtime's SDK is found through the CommonJS resolver (NODE_PATH), which
// an ES `import()` would not consult.
const loadModule = createRequire(__filename);
let client: InstanceType<SecretsManagerSdk["SecretsManagerClient"]> | undefined;

/** IAM changes take a few seconds to reach every endpoint: a fresh grant may still be denied. */
function isAccessDenied(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === "AccessDeniedException";
}

/** Secrets Manager through the runtime's SDK, retrying denials while a new grant propagates. */
function secretsManager(): SecretsManagerLike {
  const sdk = loadModule("@aws-sdk/client-secrets-manager") as SecretsManagerSdk;
  client ??= new sdk.SecretsManagerClient({});
  const api = client;
  const call = <T>(fn: () => Promise<T>, secretId: string) =>
    retry(fn, {
      attempts: 6,
      delayMs: 5000,
      shouldRetry: isAccessDenied,
      onRetry: () =>
        console.log(`db-bootstrap: access to secret ${secretId} denied, retrying (IAM propagation)`),
    });
  return {
    getSecretValue: (input) => call(() => api.send(new sdk.GetSecretValueCommand(input)), input.SecretId),
    putSecretValue: (input) => call(() => api.send(new sdk.PutSecretValueCommand(input)), input.SecretId),
  };
}

async function readCredentials(): Promise<DbCredentials> {
  const secretId = process.env.MASTER_USER_SECRET_ID;
  if (!secretId) throw new BootstrapError("MASTER_USER_SECRET_ID is not set");
  try {
    const out = await secretsManager().getSecretValue({ SecretId: secretId });
    return masterCredentials(out.SecretString, secretId, process.env);
  } catch (err) {
    if (err instanceof BootstrapError) throw err;
    const e = err as { name?: unknown; message?: unknown };
    throw new BootstrapError(`cannot read secret ${secretId}: ${String(e?.name)}: ${String(e?.message)}`);
  }
}

/** The application role and secrets from the environment; none without `APP_ROLE_NAME`. */
function appCredentialsConfig(env: NodeJS.ProcessEnv): AppCredentialsConfig | undefined {
  const roleName = env.APP_ROLE_NAME;
  if (!roleName) return undefined;
  const databaseSecretId = env.DB_SECRET_NAME;
  if (!databaseSecretId) throw new BootstrapError("APP_ROLE_NAME is set but DB_SECRET_NAME is not");
  const appSecretId = env.APP_SECRET_NAME;
  return {
    roleName,
    databaseSecretId,
    appSecret: appSecretId ? { secretId: appSecretId, algorithm: env.JWT_ALGORITHM || "HS256" } : undefined,
  };
}

/** The Data API client of the runtime's SDK for `target`. */
function runtimeDataApiClient(target: DataApiTarget): SqlClient {
  const sdk = loadModule("@aws-sdk/client-rds-data") as Omit<RdsDataSdk, "client"> & {
    RDSDataClient: new (config: Record<string, never>) => RdsDataSdk["client"];
  };
  return dataApiClient(target, { ...sdk, client: new sdk.RDSDataClient({}) });
}

/**
 * The runner's target over the Data API, with the endpoint from `DB_HOST` and
 * `DB_PORT` when set: the application's connection secret names the endpoint
 * clients connect to, whichever way the migrations arrived.
 */
function dataApiRunCredentials(target: DataApiTarget, env: NodeJS.ProcessEnv): DbCredentials {
  const base = dataApiCredentials(target);
  const port = Number(env.DB_PORT);
  if (!env.DB_HOST || !Number.isInteger(port)) return base;
  return { ...base, host: env.DB_HOST, port };
}

const dataApi = dataApiTargetFromEnv(process.env);
const config = appCredentialsConfig(process.env);
const appCredentials = config ? { config, secretsManager: secretsManager() } : undefined;

export const handler = dataApi
  ? createHandler({
      getCredentials: async () => dataApiRunCredentials(dataApi, process.env),
      migrations: readMigrations(),
      clientFactory: () => runtimeDataApiClient(dataApi),
      appCredentials,
    })
  : createHandler({
      getCredentials: readCredentials,
      migrations: readMigrations(),
      sslMode: parseSslMode(process.env.DB_SSL_MODE),
      appCredentials,
    });
