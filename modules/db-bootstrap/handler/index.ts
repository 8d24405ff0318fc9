/**
 * Lambda entry of the database bootstrap function (bundled by esbuild; see
 * ../bundle.ts).
 *
 * The migrations come from `migrations.json` next to the bundle, written at
 * synth time from the migration folder; the handler checks the list again
 * before it touches the database.
 * The credentials come from the Secrets Manager secret named by
 * `DB_SECRET_NAME`, read with the AWS SDK that the Lambda Node.js runtime
 * provides (it is not bundled). `DB_SSL_MODE` selects the TLS mode
 * (`verify-full` unless set).
 *
 * With `DB_CLUSTER_ARN`, `DB_SECRET_ARN` and `DB_NAME` set, the function runs
 * outside the VPC and sends the same statements through the RDS Data API
 * (`@aws-sdk/client-rds-data`, also the runtime's; see ./data-api.ts).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Migration } from "./checksum";
import {
  BootstrapError,
  createHandler,
  parseCredentials,
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
}

// The runtime's SDK is found through the CommonJS resolver (NODE_PATH), which
// an ES `import()` would not consult.
const loadModule = createRequire(__filename);
let sdk: SecretsManagerSdk | undefined;
let client: InstanceType<SecretsManagerSdk["SecretsManagerClient"]> | undefined;

/** IAM changes take a few seconds to reach every endpoint: a fresh grant may still be denied. */
function isAccessDenied(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === "AccessDeniedException";
}

async function readCredentials(): Promise<DbCredentials> {
  const secretName = process.env.DB_SECRET_NAME;
  if (!secretName) throw new BootstrapError("DB_SECRET_NAME is not set");
  sdk ??= loadModule("@aws-sdk/client-secrets-manager") as SecretsManagerSdk;
  client ??= new sdk.SecretsManagerClient({});
  const { GetSecretValueCommand } = sdk;
  const api = client;
  try {
    const out = await retry(() => api.send(new GetSecretValueCommand({ SecretId: secretName })), {
      attempts: 6,
      delayMs: 5000,
      shouldRetry: isAccessDenied,
      onRetry: () =>
        console.log(`db-bootstrap: access to secret ${secretName} denied, retrying (IAM propagation)`),
    });
    return parseCredentials(out.SecretString, secretName);
  } catch (err) {
    if (err instanceof BootstrapError) throw err;
    const e = err as { name?: unknown; message?: unknown };
    throw new BootstrapError(`cannot read secret ${secretName}: ${String(e?.name)}: ${String(e?.message)}`);
  }
}

/** The Data API client of the runtime's SDK for `target`. */
function runtimeDataApiClient(target: DataApiTarget): SqlClient {
  const sdk = loadModule("@aws-sdk/client-rds-data") as Omit<RdsDataSdk, "client"> & {
    RDSDataClient: new (config: Record<string, never>) => RdsDataSdk["client"];
  };
  return dataApiClient(target, { ...sdk, client: new sdk.RDSDataClient({}) });
}

const dataApi = dataApiTargetFromEnv(process.env);

export const handler = dataApi
  ? createHandler({
      getCredentials: async () => dataApiCredentials(dataApi),
      migrations: readMigrations(),
      clientFactory: () => runtimeDataApiClient(dataApi),
    })
  : createHandler({
      getCredentials: readCredentials,
      migrations: readMigrations(),
      sslMode: parseSslMode(process.env.DB_SSL_MODE),
    });
