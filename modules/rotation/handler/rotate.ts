/**
 * Single-user rotation of a PostgreSQL password held in a Secrets Manager
 * secret `{host, port, database, username, password}`: the four steps of the
 * Secrets Manager rotation function contract.
 *
 * - `createSecret`: a new random password (32 letters and digits from the
 *   CSPRNG), stored as a version with the request's token and the stage
 *   `AWSPENDING` (nothing when it exists).
 * - `setSecret`: logs in as the secret's user with the `AWSCURRENT` password
 *   (or `AWSPREVIOUS`, after an interrupted rotation) and changes its own
 *   password to the pending one (nothing when the pending one already works).
 *   The statement carries the SCRAM-SHA-256 verifier, never the password, so
 *   statement logging (`log_statement = ddl`) records no password.
 * - `testSecret`: logs in with the pending password.
 * - `finishSecret`: moves `AWSCURRENT` to the new version (Secrets Manager
 *   moves `AWSPREVIOUS` to the old one) and takes `AWSPENDING` off it, so no
 *   rotation looks unfinished; nothing when it is there already.
 *
 * When `setSecret`, `testSecret` or `finishSecret` fails and the database
 * already has the pending password, the role's password is set back to the
 * `AWSCURRENT` one, so the current secret keeps working.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
 */
import { createHmac, createHash, pbkdf2Sync, randomBytes, randomInt } from "node:crypto";
import {
  type ClientFactory,
  type ConnectionConfig,
  type SqlClient,
  type SslMode,
  type TlsTrust,
  connectClient,
  pgClientFactory,
  pgSslOptions,
} from "../../core/handler/pg-connect";
import {
  type DbCredentials,
  describeError,
  parseCredentials,
  safeError,
} from "../../db-bootstrap/handler/migrate";

/** The rotation steps, in order. */
export const ROTATION_STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;

/** One step. */
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The input Secrets Manager sends. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

/** The Secrets Manager calls rotation needs (the Lambda entry adapts the AWS SDK; tests may wrap it). */
export interface SecretsApi {
  /** `DescribeSecret`: whether rotation is on and the stages of each version. */
  describeSecret(secretId: string): Promise<{ rotationEnabled: boolean; versions: Record<string, string[]> }>;
  /** `GetSecretValue` of a stage (and version); `undefined` when that version has no value. */
  getSecretString(secretId: string, stage: string, versionId?: string): Promise<string | undefined>;
  /** `PutSecretValue` of version `token` with the stage `AWSPENDING`. */
  putPendingSecret(secretId: string, token: string, secretString: string): Promise<void>;
  /** `UpdateSecretVersionStage`: `AWSCURRENT` from version `from` to version `to`. */
  moveCurrent(secretId: string, to: string, from: string): Promise<void>;
  /** `UpdateSecretVersionStage`: `AWSPENDING` off version `versionId`. */
  removePending(secretId: string, versionId: string): Promise<void>;
}

/** A failed step; the message is safe to show (no password). */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RotationError";
  }
}

/** Options of {@link createRotationHandler}. */
export interface RotationOptions {
  /** Secrets Manager. */
  readonly secrets: SecretsApi;
  /**
   * Creates the database clients.
   * @default a `pg.Client`
   */
  readonly clientFactory?: ClientFactory;
  /**
   * TLS mode of the database connections.
   * @default "verify-full"
   */
  readonly sslMode?: SslMode;
  /**
   * What `verify-full` trusts.
   * @default the Amazon RDS certificate authorities bundled with the function, and the host name
   */
  readonly tls?: TlsTrust;
  /**
   * Length of a new password (letters and digits).
   * @default 32
   */
  readonly passwordLength?: number;
  /**
   * Makes a new password of the given length.
   * @default {@link randomPassword}
   */
  readonly generatePassword?: (length: number) => Promise<string>;
  /**
   * Where progress lines go (never a password).
   * @default console.log
   */
  readonly log?: (line: string) => void;
}

/** What a step did. */
export interface RotationResult {
  readonly step: RotationStep;
  /** `done`, or `skipped` when the step had nothing left to do. */
  readonly outcome: "done" | "skipped";
}

/** The rotation handler: one step per invocation. */
export type RotationHandler = (event: unknown) => Promise<RotationResult>;

/** SQLSTATEs of a refused login: wrong password, or no such role / not allowed. */
const AUTH_FAILED = new Set(["28P01", "28000"]);

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password`
 * (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, RFC 5802/7677).
 * Sent in `ALTER ROLE ... PASSWORD`, the server stores it as given.
 * @throws RotationError for a password that is not printable ASCII (SASLprep would change it)
 */
export function scramSha256Verifier(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = 4096,
): string {
  if (!/^[\x21-\x7e]+$/.test(password)) {
    throw new RotationError("the new password must be printable ASCII without spaces");
  }
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A password of `length` letters and digits from the operating system's CSPRNG
 * (`crypto.randomInt`, uniform), with at least one upper-case letter, one
 * lower-case letter and one digit. Made in the function rather than by
 * Secrets Manager's `GetRandomPassword`, an action IAM can only grant on
 * Resource "*".
 */
export async function randomPassword(length: number): Promise<string> {
  if (!Number.isInteger(length) || length < 8)
    throw new RotationError("a password needs at least 8 characters");
  for (;;) {
    let password = "";
    for (let i = 0; i < length; i++) password += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
    if (/[A-Z]/.test(password) && /[a-z]/.test(password) && /[0-9]/.test(password)) return password;
  }
}

/** Check the invocation input. */
export function parseRotationEvent(event: unknown): RotationEvent {
  const e = (event ?? {}) as Record<string, unknown>;
  for (const key of ["SecretId", "ClientRequestToken", "Step"]) {
    if (typeof e[key] !== "string" || e[key] === "") {
      throw new RotationError(`the input must have a non-empty string ${key}`);
    }
  }
  if (!(ROTATION_STEPS as readonly string[]).includes(e.Step as string)) {
    throw new RotationError(
      `unknown step ${JSON.stringify(e.Step)}: the steps are ${ROTATION_STEPS.join(", ")}`,
    );
  }
  return e as unknown as RotationEvent;
}

/** Build the rotation handler. */
export function createRotationHandler(options: RotationOptions): RotationHandler {
  const { secrets } = options;
  const log = options.log ?? console.log;
  const factory = options.clientFactory ?? pgClientFactory;
  const passwordLength = options.passwordLength ?? 32;

  async function read(
    secretId: string,
    stage: string,
    versionId?: string,
  ): Promise<DbCredentials | undefined> {
    const text = await secrets.getSecretString(secretId, stage, versionId);
    return text === undefined ? undefined : parseCredentials(text, `${secretId} (${stage})`);
  }

  async function required(secretId: string, stage: string, versionId?: string): Promise<DbCredentials> {
    const value = await read(secretId, stage, versionId);
    if (value === undefined) throw new RotationError(`secret ${secretId} has no ${stage} value`);
    return value;
  }

  function config(c: DbCredentials): ConnectionConfig {
    return {
      host: c.host,
      port: c.port,
      database: c.database,
      user: c.username,
      password: c.password,
      ssl: pgSslOptions(options.sslMode ?? "verify-full", options.tls),
      connectionTimeoutMillis: 15_000,
      application_name: "secret-rotation",
    };
  }

  /** A client logged in with `c`, or `undefined` when the server refuses the password. */
  async function tryLogin(c: DbCredentials): Promise<SqlClient | undefined> {
    try {
      return await connectClient(config(c), factory);
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (typeof code === "string" && AUTH_FAILED.has(code)) return undefined;
      throw err;
    }
  }

  async function works(c: DbCredentials): Promise<boolean> {
    const client = await tryLogin(c);
    await client?.end().catch(() => undefined);
    return client !== undefined;
  }

  async function setPassword(client: SqlClient, password: string): Promise<void> {
    await client.query(`ALTER ROLE CURRENT_USER WITH PASSWORD '${scramSha256Verifier(password)}'`);
  }

  /** Pending and current must name the same user on the same database: this is single-user rotation. */
  function checkSameTarget(
    secretId: string,
    current: DbCredentials,
    other: DbCredentials,
    stage: string,
  ): void {
    for (const key of ["host", "port", "database", "username"] as const) {
      if (current[key] !== other[key]) {
        throw new RotationError(
          `secret ${secretId}: the ${stage} ${key} differs from AWSCURRENT; single-user rotation changes only the password`,
        );
      }
    }
  }

  /** After a failed step: make the AWSCURRENT password the role's password again. */
  async function restoreCurrent(
    secretId: string,
    current: DbCredentials,
    pending: DbCredentials,
  ): Promise<void> {
    try {
      if (await works(current)) return;
      const client = await tryLogin(pending);
      if (!client) {
        log(`rotation: ${secretId}: neither the AWSCURRENT nor the AWSPENDING password logs in`);
        return;
      }
      try {
        await setPassword(client, current.password);
        log(`rotation: ${secretId}: the database password is the AWSCURRENT one again`);
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (err) {
      log(`rotation: ${secretId}: could not restore the AWSCURRENT password: ${describeError(err)}`);
    }
  }

  /** The rotation is complete: AWSPENDING off the new AWSCURRENT version (a failure here changes nothing that matters). */
  async function clearPending(e: RotationEvent): Promise<void> {
    try {
      await secrets.removePending(e.SecretId, e.ClientRequestToken);
    } catch (err) {
      log(
        `rotation: ${e.SecretId}: could not take AWSPENDING off version ${e.ClientRequestToken}: ${describeError(err)}`,
      );
    }
  }

  async function createSecret(e: RotationEvent): Promise<RotationResult["outcome"]> {
    const currentText = await secrets.getSecretString(e.SecretId, "AWSCURRENT");
    const current = parseCredentials(currentText, `${e.SecretId} (AWSCURRENT)`);
    if ((await secrets.getSecretString(e.SecretId, "AWSPENDING", e.ClientRequestToken)) !== undefined) {
      return "skipped";
    }
    const password = await (options.generatePassword ?? randomPassword)(passwordLength);
    const doc = { ...(JSON.parse(currentText as string) as Record<string, unknown>), password };
    await secrets.putPendingSecret(e.SecretId, e.ClientRequestToken, JSON.stringify(doc));
    log(
      `rotation: ${e.SecretId}: created version ${e.ClientRequestToken} (AWSPENDING) for ${current.username}`,
    );
    return "done";
  }

  async function setSecret(e: RotationEvent): Promise<RotationResult["outcome"]> {
    const current = await required(e.SecretId, "AWSCURRENT");
    const pending = await required(e.SecretId, "AWSPENDING", e.ClientRequestToken);
    checkSameTarget(e.SecretId, current, pending, "AWSPENDING");
    if (await works(pending)) return "skipped";
    try {
      let client = await tryLogin(current);
      if (!client) {
        const previous = await read(e.SecretId, "AWSPREVIOUS");
        if (previous) {
          checkSameTarget(e.SecretId, current, previous, "AWSPREVIOUS");
          client = await tryLogin(previous);
        }
      }
      if (!client) {
        throw new RotationError(
          `cannot log in to ${current.host}:${current.port}/${current.database} as ${current.username} with the AWSCURRENT or AWSPREVIOUS password`,
        );
      }
      try {
        await setPassword(client, pending.password);
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (err) {
      await restoreCurrent(e.SecretId, current, pending);
      throw err;
    }
    log(`rotation: ${e.SecretId}: set the AWSPENDING password for ${current.username}`);
    return "done";
  }

  async function testSecret(e: RotationEvent): Promise<RotationResult["outcome"]> {
    const pending = await required(e.SecretId, "AWSPENDING", e.ClientRequestToken);
    try {
      const client = await tryLogin(pending);
      if (!client) throw new RotationError(`the AWSPENDING password of ${pending.username} does not log in`);
      try {
        const { rows } = await client.query("SELECT current_user AS name");
        if (rows[0]?.name !== pending.username) {
          throw new RotationError(`logged in as ${String(rows[0]?.name)}, not ${pending.username}`);
        }
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (err) {
      const current = await read(e.SecretId, "AWSCURRENT");
      if (current) await restoreCurrent(e.SecretId, current, pending);
      throw err;
    }
    log(`rotation: ${e.SecretId}: the AWSPENDING password of ${pending.username} logs in`);
    return "done";
  }

  async function finishSecret(
    e: RotationEvent,
    versions: Record<string, string[]>,
  ): Promise<RotationResult["outcome"]> {
    const currentVersion = Object.keys(versions).find((v) => versions[v].includes("AWSCURRENT"));
    if (currentVersion === undefined)
      throw new RotationError(`secret ${e.SecretId} has no AWSCURRENT version`);
    const current = await required(e.SecretId, "AWSCURRENT");
    try {
      await secrets.moveCurrent(e.SecretId, e.ClientRequestToken, currentVersion);
    } catch (err) {
      const after = await secrets.describeSecret(e.SecretId).catch(() => undefined);
      if (after?.versions[e.ClientRequestToken]?.includes("AWSCURRENT")) return "done";
      const pending = await read(e.SecretId, "AWSPENDING", e.ClientRequestToken).catch(() => undefined);
      if (pending) await restoreCurrent(e.SecretId, current, pending);
      throw err;
    }
    log(`rotation: ${e.SecretId}: version ${e.ClientRequestToken} is AWSCURRENT (was ${currentVersion})`);
    await clearPending(e);
    return "done";
  }

  return async (input) => {
    const secretValues: string[] = [];
    try {
      const e = parseRotationEvent(input);
      const { rotationEnabled, versions } = await secrets.describeSecret(e.SecretId);
      if (!rotationEnabled) throw new RotationError(`secret ${e.SecretId} is not enabled for rotation`);
      const stages = versions[e.ClientRequestToken];
      if (stages === undefined) {
        throw new RotationError(
          `secret version ${e.ClientRequestToken} has no stage for rotation of secret ${e.SecretId}`,
        );
      }
      if (stages.includes("AWSCURRENT")) {
        if (e.Step === "finishSecret" && stages.includes("AWSPENDING")) await clearPending(e);
        log(
          `rotation: ${e.SecretId}: version ${e.ClientRequestToken} is already AWSCURRENT; ${e.Step} has nothing to do`,
        );
        return { step: e.Step, outcome: "skipped" };
      }
      if (!stages.includes("AWSPENDING")) {
        throw new RotationError(
          `secret version ${e.ClientRequestToken} is not set as AWSPENDING for rotation of secret ${e.SecretId}`,
        );
      }
      // every password this run may see is redacted from its errors
      for (const [stage, id] of [
        ["AWSCURRENT"],
        ["AWSPREVIOUS"],
        ["AWSPENDING", e.ClientRequestToken],
      ] as const) {
        const value = await read(e.SecretId, stage, id).catch(() => undefined);
        if (value) secretValues.push(value.password);
      }
      let outcome: RotationResult["outcome"];
      switch (e.Step) {
        case "createSecret":
          outcome = await createSecret(e);
          break;
        case "setSecret":
          outcome = await setSecret(e);
          break;
        case "testSecret":
          outcome = await testSecret(e);
          break;
        case "finishSecret":
          outcome = await finishSecret(e, versions);
          break;
      }
      if (outcome === "skipped") log(`rotation: ${e.SecretId}: ${e.Step} had nothing to do`);
      return { step: e.Step, outcome };
    } catch (err) {
      if (err instanceof RotationError && secretValues.length === 0) throw err;
      throw new RotationError(safeError(err, secretValues).message);
    }
  };
}

/** The part of `@aws-sdk/client-secrets-manager` used here. */
export interface SecretsManagerSdk {
  DescribeSecretCommand: new (input: { SecretId: string }) => unknown;
  GetSecretValueCommand: new (input: {
    SecretId: string;
    VersionStage?: string;
    VersionId?: string;
  }) => unknown;
  PutSecretValueCommand: new (input: {
    SecretId: string;
    ClientRequestToken: string;
    SecretString: string;
    VersionStages: string[];
  }) => unknown;
  UpdateSecretVersionStageCommand: new (input: {
    SecretId: string;
    VersionStage: string;
    MoveToVersionId?: string;
    RemoveFromVersionId?: string;
  }) => unknown;
}

/** A Secrets Manager client: anything with the SDK's `send`. */
export interface SecretsManagerClientLike {
  send(command: unknown): Promise<unknown>;
}

/** {@link SecretsApi} over the AWS SDK for JavaScript v3. */
export function sdkSecretsApi(sdk: SecretsManagerSdk, client: SecretsManagerClientLike): SecretsApi {
  return {
    async describeSecret(secretId) {
      const out = (await client.send(new sdk.DescribeSecretCommand({ SecretId: secretId }))) as {
        RotationEnabled?: boolean;
        VersionIdsToStages?: Record<string, string[]>;
      };
      return { rotationEnabled: out.RotationEnabled === true, versions: out.VersionIdsToStages ?? {} };
    },
    async getSecretString(secretId, stage, versionId) {
      try {
        const out = (await client.send(
          new sdk.GetSecretValueCommand({
            SecretId: secretId,
            VersionStage: stage,
            ...(versionId === undefined ? {} : { VersionId: versionId }),
          }),
        )) as { SecretString?: string };
        return out.SecretString;
      } catch (err) {
        if ((err as { name?: unknown } | null)?.name === "ResourceNotFoundException") return undefined;
        throw err;
      }
    },
    async putPendingSecret(secretId, token, secretString) {
      await client.send(
        new sdk.PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          SecretString: secretString,
          VersionStages: ["AWSPENDING"],
        }),
      );
    },
    async removePending(secretId, versionId) {
      await client.send(
        new sdk.UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: "AWSPENDING",
          RemoveFromVersionId: versionId,
        }),
      );
    },
    async moveCurrent(secretId, to, from) {
      await client.send(
        new sdk.UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: "AWSCURRENT",
          MoveToVersionId: to,
          RemoveFromVersionId: from,
        }),
      );
    },
  };
}
