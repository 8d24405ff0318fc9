/**
 * Lambda entry of the secret rotation function (bundled by esbuild; see
 * ../bundle.ts). Secrets Manager invokes it once per step with
 * `{SecretId, ClientRequestToken, Step}`. The AWS SDK comes from the Lambda
 * Node.js runtime (it is not bundled); `DB_SSL_MODE` selects the TLS mode
 * (`verify-full` unless set).
 */
import { createRequire } from "node:module";
import { parseSslMode } from "../../db-bootstrap/handler/migrate";
import {
  type SecretsManagerClientLike,
  type SecretsManagerSdk,
  createRotationHandler,
  sdkSecretsApi,
} from "./rotate";

// The runtime's SDK is found through the CommonJS resolver (NODE_PATH), which
// an ES `import()` would not consult.
const sdk = createRequire(__filename)("@aws-sdk/client-secrets-manager") as SecretsManagerSdk & {
  SecretsManagerClient: new (config: Record<string, never>) => SecretsManagerClientLike;
};

export const handler = createRotationHandler({
  secrets: sdkSecretsApi(sdk, new sdk.SecretsManagerClient({})),
  sslMode: parseSslMode(process.env.DB_SSL_MODE),
});
