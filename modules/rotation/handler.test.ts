/**
 * The rotation handler against a real PostgreSQL 15 (SCRAM over TCP, TLS
 * required, verify-full with a throwaway CA; ../core/test/postgres.ts) and
 * moto's Secrets Manager (test/moto.ts). Each rotation is started the way
 * Secrets Manager starts one (RotateSecret creates the AWSPENDING version of
 * the token; moto's stand-in function runs no code), then the four steps run
 * through the handler.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import * as sm from "@aws-sdk/client-secrets-manager";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { Client } from "pg";
import { type ClientFactory, type SqlClient, pgClientFactory } from "../core/handler/pg-connect";
import { type PostgresServer, startPostgres } from "../core/test/postgres";
import {
  ROTATION_STEPS,
  randomPassword,
  type RotationOptions,
  type RotationStep,
  RotationError,
  createRotationHandler,
  scramSha256Verifier,
  sdkSecretsApi,
} from "./handler/rotate";
import { type Moto, startMoto } from "./test/moto";

const SECRET = "hr-chatbot/database";
const ROLE = "hr_chatbot_app";

let pg: PostgresServer;
let moto: Moto;
let secretsClient: sm.SecretsManagerClient;
let functionArn: string;
const timings: string[] = [];

beforeAll(async () => {
  [pg, moto] = await Promise.all([startPostgres(), startMoto()]);
  timings.push(
    `PostgreSQL 15 start ${pg.startSeconds.toFixed(2)} s`,
    `moto start ${moto.startSeconds.toFixed(2)} s`,
  );
  const aws = {
    endpoint: moto.endpoint,
    region: "ap-northeast-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  secretsClient = new sm.SecretsManagerClient(aws);
  const iam = new IAMClient(aws);
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: "rotation",
      AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
    }),
  );
  const fn = await new LambdaClient(aws).send(
    new CreateFunctionCommand({
      FunctionName: "hr-chatbot-secret-rotation",
      Runtime: "nodejs22.x",
      Role: role.Role!.Arn!,
      Handler: "index.handler",
      Code: { ZipFile: Buffer.from("UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==", "base64") },
    }),
  );
  functionArn = fn.FunctionArn!;
}, 120_000);

afterAll(async () => {
  const stopped = await pg?.stop();
  await moto?.stop();
  timings.push(`PostgreSQL 15 stop ${stopped?.toFixed(2)} s`);
  process.stdout.write(`rotation test servers: ${timings.join(", ")}\n`);
}, 60_000);

/** The application role with a fresh password, and its secret (rotation on, one AWSCURRENT version). */
async function freshSecret(): Promise<string> {
  const password = randomBytes(16).toString("hex");
  await asSuperuser(async (db) => {
    await db.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await db.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${scramSha256Verifier(password)}'`);
  });
  await secretsClient
    .send(new sm.DeleteSecretCommand({ SecretId: SECRET, ForceDeleteWithoutRecovery: true }))
    .catch(() => undefined);
  await secretsClient.send(
    new sm.CreateSecretCommand({
      Name: SECRET,
      SecretString: JSON.stringify({
        host: pg.host,
        port: pg.port,
        database: "postgres",
        username: ROLE,
        password,
      }),
    }),
  );
  return password;
}

async function asSuperuser<T>(fn: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: pg.password,
    database: "postgres",
    ssl: { ca: pg.ca, servername: pg.certHost, rejectUnauthorized: true },
  });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** Start a rotation as Secrets Manager does: the token's version staged AWSPENDING, no value yet. */
async function startRotation(): Promise<string> {
  const token = randomUUID();
  await secretsClient.send(
    new sm.RotateSecretCommand({
      SecretId: SECRET,
      ClientRequestToken: token,
      RotationLambdaARN: functionArn,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: true,
    }),
  );
  return token;
}

/** Whether `password` logs in as the application role (over verify-full TLS). */
async function logsIn(password: string): Promise<boolean> {
  const db = new Client({
    host: pg.host,
    port: pg.port,
    user: ROLE,
    password,
    database: "postgres",
    ssl: { ca: pg.ca, servername: pg.certHost, rejectUnauthorized: true },
  });
  try {
    await db.connect();
    await db.end();
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === "28P01") return false;
    throw err;
  }
}

async function value(stage: string, versionId?: string): Promise<Record<string, unknown>> {
  const out = await secretsClient.send(
    new sm.GetSecretValueCommand({ SecretId: SECRET, VersionStage: stage, VersionId: versionId }),
  );
  return JSON.parse(out.SecretString!);
}

async function stages(): Promise<Record<string, string[]>> {
  const out = await secretsClient.send(new sm.DescribeSecretCommand({ SecretId: SECRET }));
  return out.VersionIdsToStages ?? {};
}

/** Everything a step could change: the version stages, every version's value, the role's stored verifier. */
async function snapshot(): Promise<unknown> {
  const versions = await stages();
  const values: Record<string, string | undefined> = {};
  for (const id of Object.keys(versions)) {
    values[id] = await secretsClient
      .send(new sm.GetSecretValueCommand({ SecretId: SECRET, VersionId: id }))
      .then((o) => o.SecretString)
      .catch(() => undefined);
  }
  const verifier = await asSuperuser(
    async (db) =>
      (await db.query("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [ROLE])).rows[0].rolpassword,
  );
  return { versions, values, verifier };
}

const lines: string[] = [];

function handler(extra: Partial<RotationOptions> = {}) {
  return createRotationHandler({
    secrets: sdkSecretsApi(sm, secretsClient),
    tls: { ca: pg.ca, servername: pg.certHost },
    log: (line) => lines.push(line),
    ...extra,
  });
}

function run(token: string, step: RotationStep, extra: Partial<RotationOptions> = {}) {
  return handler(extra)({ SecretId: SECRET, ClientRequestToken: token, Step: step });
}

async function rotate(token: string, extra: Partial<RotationOptions> = {}): Promise<void> {
  for (const step of ROTATION_STEPS) expect(await run(token, step, extra)).toEqual({ step, outcome: "done" });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the step to fail");
}

/** A client factory whose clients fail once on the first statement matching `pattern`. */
function failingQueryOnce(pattern: RegExp): ClientFactory {
  let failed = false;
  return (config) => {
    const client = pgClientFactory(config);
    const wrapped: SqlClient = {
      connect: () => client.connect(),
      end: () => client.end(),
      query: async (sql, params) => {
        if (!failed && pattern.test(sql)) {
          failed = true;
          throw new Error(`injected failure of ${sql.split(" ").slice(0, 2).join(" ")}`);
        }
        return client.query(sql, params);
      },
    };
    return wrapped;
  };
}

describe("single-user rotation (PostgreSQL 15 + moto Secrets Manager)", () => {
  it("rotates twice in a row: the old password stops working, the new one works, the stages end right", async () => {
    let old = await freshSecret();
    let previousVersion = "";
    for (let i = 0; i < 2; i++) {
      const currentVersion = Object.entries(await stages()).find(([, s]) => s.includes("AWSCURRENT"))![0];
      const token = await startRotation();
      await rotate(token);

      const now = await value("AWSCURRENT");
      expect(Object.keys(now).sort()).toEqual(["database", "host", "password", "port", "username"]);
      expect(now).toMatchObject({ host: pg.host, port: pg.port, database: "postgres", username: ROLE });
      expect(now.password).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(now.password).not.toBe(old);
      expect(await logsIn(now.password as string)).toBe(true);
      expect(await logsIn(old)).toBe(false);

      const versions = await stages();
      expect(versions[token]).toEqual(["AWSCURRENT"]);
      expect(versions[currentVersion]).toEqual(["AWSPREVIOUS"]);
      const withCurrent = Object.keys(versions).filter((v) => versions[v].includes("AWSCURRENT"));
      const withPrevious = Object.keys(versions).filter((v) => versions[v].includes("AWSPREVIOUS"));
      expect(withCurrent).toEqual([token]);
      expect(withPrevious).toEqual([currentVersion]);
      expect((await value("AWSPREVIOUS")).password).toBe(old);
      if (i === 1) expect(currentVersion).not.toBe(previousVersion);
      previousVersion = currentVersion;
      old = now.password as string;
    }
    // the role's password is stored as a SCRAM verifier, and no password reached the server log
    const stored = await asSuperuser(
      async (db) =>
        (await db.query("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [ROLE])).rows[0].rolpassword,
    );
    expect(stored).toMatch(/^SCRAM-SHA-256\$4096:/);
    const serverLog = readFileSync(pg.logFile, "utf8");
    expect(serverLog).toContain("ALTER ROLE CURRENT_USER WITH PASSWORD 'SCRAM-SHA-256$4096:");
    expect(serverLog).not.toContain(old);
    expect(lines.join("\n")).not.toContain(old);
  }, 60_000);

  it("changes nothing when a step runs again, and every step is a no-op once the version is AWSCURRENT", async () => {
    await freshSecret();
    const token = await startRotation();
    for (const step of ROTATION_STEPS) {
      await run(token, step);
      const after = await snapshot();
      const again = await run(token, step);
      expect(await snapshot()).toEqual(after);
      expect(again.outcome).toBe(step === "testSecret" ? "done" : "skipped");
    }
    const done = await snapshot();
    for (const step of ROTATION_STEPS) expect(await run(token, step)).toEqual({ step, outcome: "skipped" });
    expect(await snapshot()).toEqual(done);
  }, 60_000);

  type Injection = { name: string; step: RotationStep; options: () => Partial<RotationOptions> };
  const realApi = () => sdkSecretsApi(sm, secretsClient);
  const injections: Injection[] = [
    {
      name: "createSecret: making the password fails",
      step: "createSecret",
      options: () => ({ generatePassword: async () => Promise.reject(new Error("injected: no entropy")) }),
    },
    {
      name: "createSecret: PutSecretValue fails",
      step: "createSecret",
      options: () => ({
        secrets: {
          ...realApi(),
          putPendingSecret: async () => Promise.reject(new Error("injected: throttled")),
        },
      }),
    },
    {
      name: "setSecret: the ALTER ROLE fails",
      step: "setSecret",
      options: () => ({ clientFactory: failingQueryOnce(/^ALTER ROLE/) }),
    },
    {
      name: "testSecret: the check after login fails",
      step: "testSecret",
      options: () => ({ clientFactory: failingQueryOnce(/current_user/) }),
    },
    {
      name: "testSecret: the login with the new password fails",
      step: "testSecret",
      options: () => {
        let failed = false;
        const factory: ClientFactory = (config) => {
          const client = pgClientFactory(config);
          return {
            ...client,
            connect: async () => {
              if (!failed) {
                failed = true;
                throw Object.assign(new Error("injected: connection reset"), { code: "ECONNRESET" });
              }
              return client.connect();
            },
          };
        };
        return { clientFactory: factory };
      },
    },
    {
      name: "finishSecret: UpdateSecretVersionStage fails",
      step: "finishSecret",
      options: () => ({
        secrets: { ...realApi(), moveCurrent: async () => Promise.reject(new Error("injected: throttled")) },
      }),
    },
  ];

  it.each(injections)(
    "$name: AWSCURRENT keeps working, and the rotation completes when the steps run again",
    async ({ step, options }) => {
      const original = await freshSecret();
      const token = await startRotation();
      for (const s of ROTATION_STEPS) {
        if (s === step) break;
        await run(token, s);
      }
      const err = await failure(run(token, step, options()));
      expect(err).toBeInstanceOf(RotationError);
      expect(err.message).toContain("injected");

      const current = await value("AWSCURRENT");
      expect(current.password).toBe(original);
      expect(await logsIn(original)).toBe(true);
      expect(Object.entries(await stages()).find(([, s]) => s.includes("AWSCURRENT"))![0]).not.toBe(token);

      // Secrets Manager runs the steps again from the start
      for (const s of ROTATION_STEPS) await run(token, s);
      const rotated = await value("AWSCURRENT");
      expect(rotated.password).not.toBe(original);
      expect(await logsIn(rotated.password as string)).toBe(true);
      expect(await logsIn(original)).toBe(false);
      expect((await stages())[token]).toEqual(["AWSCURRENT"]);
      if (step === "setSecret" || step === "testSecret" || step === "finishSecret") {
        expect(err.message).not.toContain(rotated.password);
      }
    },
    60_000,
  );

  it("refuses a secret without rotation, a token that is not staged, and an unknown step", async () => {
    await freshSecret();
    const noRotation = await failure(run(randomUUID(), "createSecret"));
    expect(noRotation.message).toBe(`secret ${SECRET} is not enabled for rotation`);
    await startRotation();
    const stranger = randomUUID();
    expect((await failure(run(stranger, "createSecret"))).message).toBe(
      `secret version ${stranger} has no stage for rotation of secret ${SECRET}`,
    );
    const firstVersion = Object.entries(await stages()).find(([, s]) => s.includes("AWSCURRENT"))![0];
    // the AWSCURRENT version itself: nothing to do
    expect(await run(firstVersion, "setSecret")).toEqual({ step: "setSecret", outcome: "skipped" });
    expect(
      (await failure(handler()({ SecretId: SECRET, ClientRequestToken: "t", Step: "dropSecret" }))).message,
    ).toBe('unknown step "dropSecret": the steps are createSecret, setSecret, testSecret, finishSecret');
  }, 60_000);

  it("refuses a pending version that names another user (single-user rotation changes only the password)", async () => {
    await freshSecret();
    const token = await startRotation();
    const doc = await value("AWSCURRENT");
    await secretsClient.send(
      new sm.PutSecretValueCommand({
        SecretId: SECRET,
        ClientRequestToken: token,
        SecretString: JSON.stringify({
          ...doc,
          username: "postgres",
          password: randomBytes(8).toString("hex"),
        }),
        VersionStages: ["AWSPENDING"],
      }),
    );
    expect((await failure(run(token, "setSecret"))).message).toBe(
      `secret ${SECRET}: the AWSPENDING username differs from AWSCURRENT; single-user rotation changes only the password`,
    );
    expect(await logsIn(doc.password as string)).toBe(true);
  }, 60_000);
});

describe("new passwords", () => {
  it("are 32 letters and digits with each kind, different every time", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = await randomPassword(32);
      expect(p).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])[A-Za-z0-9]{32}$/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
    await expect(randomPassword(4)).rejects.toThrow("at least 8 characters");
  });
});

describe("the SCRAM-SHA-256 verifier", () => {
  it("is what PostgreSQL itself stores for that password and salt (the server accepts the password)", async () => {
    const password = randomBytes(12).toString("hex");
    const verifier = scramSha256Verifier(password);
    expect(verifier).toMatch(
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/,
    );
    await asSuperuser(async (db) => {
      await db.query(`DROP ROLE IF EXISTS verifier_check`);
      await db.query(`CREATE ROLE verifier_check LOGIN PASSWORD '${verifier}'`);
    });
    const db = new Client({
      host: pg.host,
      port: pg.port,
      user: "verifier_check",
      password,
      database: "postgres",
      ssl: { ca: pg.ca, servername: pg.certHost, rejectUnauthorized: true },
    });
    await db.connect();
    await db.end();
    expect(() => scramSha256Verifier("with space")).toThrow("printable ASCII");
  });
});
