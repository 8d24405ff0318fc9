/**
 * The application role and secrets the bootstrap handler makes, against a
 * real PostgreSQL with pgvector (PGlite over the wire protocol, see
 * test/pglite.ts) and an in-memory Secrets Manager passed through the
 * handler's options (the emulator suite runs the same code against moto).
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { Client } from "pg";
import { type SecretsManagerLike, generatePassword, scramSha256Verifier } from "./handler/app-credentials";
import { type DbCredentials, type HandlerOptions, createHandler } from "./handler/migrate";
import { DEFAULT_MIGRATIONS_DIR, loadMigrations } from "./migrations";
import { type PgliteServer, pgliteCredentials, startPgliteServer, withPgliteClient } from "./test/pglite";

// pg's own SCRAM client: an independent implementation to check our verifier against
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sasl = require("pg/lib/crypto/sasl") as {
  startSession(mechanisms: string[]): { clientNonce: string; response: string; message: string };
  continueSession(
    session: { clientNonce: string; response: string; message: string },
    password: string,
    serverData: string,
  ): Promise<void>;
  finalizeSession(session: unknown, serverData: string): void;
};

const MIGRATIONS = loadMigrations(DEFAULT_MIGRATIONS_DIR).migrations;
const ROLE = "hr_chatbot_app";
const DB_SECRET = "hr-chatbot/database";
const APP_SECRET = "hr-chatbot/app-secrets";

/** Secrets Manager in memory: secrets created without a value, as Terraform now creates them. */
class FakeSecretsManager implements SecretsManagerLike {
  public readonly values = new Map<string, string>();
  public readonly puts: { SecretId: string; SecretString: string }[] = [];
  constructor(private readonly existing = new Set([DB_SECRET, APP_SECRET])) {}

  async getSecretValue({ SecretId }: { SecretId: string }): Promise<{ SecretString?: string }> {
    const value = this.values.get(SecretId);
    if (!this.existing.has(SecretId) || value === undefined) {
      const e = new Error(
        this.existing.has(SecretId)
          ? "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"
          : "Secrets Manager can't find the specified secret.",
      );
      e.name = "ResourceNotFoundException";
      throw e;
    }
    return { SecretString: value };
  }

  async putSecretValue(input: { SecretId: string; SecretString: string }): Promise<unknown> {
    if (!this.existing.has(input.SecretId)) {
      const e = new Error("Secrets Manager can't find the specified secret.");
      e.name = "ResourceNotFoundException";
      throw e;
    }
    this.puts.push(input);
    this.values.set(input.SecretId, input.SecretString);
    return { ARN: input.SecretId, VersionId: randomBytes(8).toString("hex") };
  }

  json(secretId: string): Record<string, unknown> {
    return JSON.parse(this.values.get(secretId) ?? "null") as Record<string, unknown>;
  }
}

let server: PgliteServer;
let master: DbCredentials;

beforeAll(async () => {
  server = await startPgliteServer();
  master = pgliteCredentials(server);
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

const withDb = <T>(fn: (db: Client) => Promise<T>): Promise<T> => withPgliteClient(server, fn);

beforeEach(async () => {
  await withDb(async (db) => {
    for (const role of [ROLE, "boss"]) {
      await db.query(`DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
          EXECUTE 'DROP OWNED BY ${role}'; EXECUTE 'DROP ROLE ${role}';
        END IF; END $$`);
    }
    await db.query("DROP EXTENSION IF EXISTS vector CASCADE");
    await db.query("DROP SCHEMA public CASCADE");
    await db.query("CREATE SCHEMA public");
  });
});

function run(sm: FakeSecretsManager, extra: Partial<HandlerOptions> = {}, roleName = ROLE) {
  const lines: string[] = [];
  const handler = createHandler({
    getCredentials: async () => master,
    migrations: MIGRATIONS,
    sslMode: "disable",
    lockPollMs: 10,
    log: (line) => lines.push(line),
    appCredentials: {
      config: {
        roleName,
        databaseSecretId: DB_SECRET,
        appSecret: { secretId: APP_SECRET, algorithm: "HS256" },
      },
      secretsManager: sm,
    },
    ...extra,
  });
  return { result: handler({ action: "migrate" }), lines };
}

/** True when `password` matches the SCRAM verifier PostgreSQL stores for `role`. */
async function passwordMatches(role: string, password: string): Promise<boolean> {
  const stored = await withDb(
    async (db) =>
      (await db.query("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [role])).rows[0]
        ?.rolpassword as string | undefined,
  );
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored ?? "");
  if (!m) return false;
  return scramSha256Verifier(password, Buffer.from(m[2], "base64"), Number(m[1])) === stored;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the run to fail");
}

describe("application role and secrets (PGlite + in-memory Secrets Manager)", () => {
  it("creates a login role without admin attributes and writes both secrets on the first run", async () => {
    const sm = new FakeSecretsManager();
    const { result, lines } = run(sm);
    const out = await result;

    expect(out.appCredentials).toEqual({
      role: ROLE,
      roleCreated: true,
      secretsWritten: [DB_SECRET, APP_SECRET],
    });
    const role = await withDb(
      async (db) =>
        (
          await db.query(
            "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = $1",
            [ROLE],
          )
        ).rows,
    );
    expect(role).toEqual([
      {
        rolcanlogin: true,
        rolsuper: false,
        rolcreaterole: false,
        rolcreatedb: false,
        rolreplication: false,
        rolbypassrls: false,
      },
    ]);

    const db = sm.json(DB_SECRET);
    expect(Object.keys(db)).toEqual(["host", "port", "database", "username", "password"]);
    expect(db).toMatchObject({ host: "127.0.0.1", port: server.port, database: "postgres", username: ROLE });
    expect(db.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await passwordMatches(ROLE, String(db.password))).toBe(true);

    const app = sm.json(APP_SECRET);
    expect(Object.keys(app)).toEqual(["secret_key", "algorithm"]);
    expect(app.algorithm).toBe("HS256");
    expect(Buffer.from(String(app.secret_key), "base64")).toHaveLength(64);

    // no value in the logs or the result Terraform keeps
    const seen = `${lines.join("\n")}\n${JSON.stringify(out)}`;
    expect(seen).not.toContain(String(db.password));
    expect(seen).not.toContain(String(app.secret_key));
    expect(seen).not.toContain(master.password);
    expect(lines).toContain(`db-bootstrap: role ${ROLE} created`);
    expect(lines).toContain(`db-bootstrap: wrote secret ${DB_SECRET}`);
  });

  it("gives the role exactly the application's privileges, including pgvector", async () => {
    const sm = new FakeSecretsManager();
    await run(sm).result;
    await withDb(async (db) => {
      // a table the master user creates after the run (a later migration): default privileges
      await db.query("CREATE TABLE documents (id serial PRIMARY KEY, embedding vector(3))");
      const q = async (sql: string) => (await db.query(sql)).rows[0];
      expect(
        await q(`SELECT has_database_privilege('${ROLE}', current_database(), 'CONNECT') AS connect,
                        has_schema_privilege('${ROLE}', 'public', 'USAGE') AS usage,
                        has_schema_privilege('${ROLE}', 'public', 'CREATE') AS create`),
      ).toEqual({ connect: true, usage: true, create: true });
      expect(
        await q(`SELECT has_table_privilege('${ROLE}', 'documents', 'SELECT, INSERT, UPDATE, DELETE') AS dml,
                        has_table_privilege('${ROLE}', 'documents', 'TRUNCATE') AS truncate,
                        has_sequence_privilege('${ROLE}', 'documents_id_seq', 'USAGE') AS seq,
                        has_table_privilege('${ROLE}', 'schema_migrations', 'SELECT') AS migrations_read,
                        has_table_privilege('${ROLE}', 'schema_migrations', 'INSERT') AS migrations_write`),
      ).toEqual({ dml: true, truncate: false, seq: true, migrations_read: false, migrations_write: false });

      // acting as the role
      await db.query(`SET ROLE ${ROLE}`);
      try {
        expect(await q("SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector AS d")).toEqual({ d: 1 });
        await db.query("INSERT INTO documents (embedding) VALUES ('[1,2,3]')");
        await db.query("CREATE TABLE app_notes (id int, embedding vector(3))");
        await db.query("INSERT INTO app_notes VALUES (1, '[0,0,1]')");
        await expect(db.query("CREATE ROLE intruder")).rejects.toThrow(/permission denied/);
        await expect(db.query("CREATE DATABASE other")).rejects.toThrow(/permission denied/);
        await expect(db.query("DELETE FROM schema_migrations")).rejects.toThrow(/permission denied/);
      } finally {
        await db.query("RESET ROLE");
      }
    });
  });

  it("writes nothing on a second run and keeps the role's password", async () => {
    const sm = new FakeSecretsManager();
    await run(sm).result;
    const before = new Map(sm.values);
    const { result, lines } = run(sm);
    const out = await result;
    expect(out.appCredentials).toEqual({ role: ROLE, roleCreated: false, secretsWritten: [] });
    expect(sm.puts).toHaveLength(2);
    expect(sm.values).toEqual(before);
    expect(await passwordMatches(ROLE, String(sm.json(DB_SECRET).password))).toBe(true);
    expect(lines.join("\n")).not.toContain(String(sm.json(DB_SECRET).password));
  });

  it("sets the role's password from a valid secret when they differ (the secret wins)", async () => {
    const sm = new FakeSecretsManager();
    await run(sm).result;
    const password = String(sm.json(DB_SECRET).password);
    await withDb((db) => db.query(`ALTER ROLE ${ROLE} PASSWORD 'changed-by-hand'`));
    expect(await passwordMatches(ROLE, password)).toBe(false);

    const out = await run(sm).result;
    expect(out.appCredentials?.secretsWritten).toEqual([]);
    expect(await passwordMatches(ROLE, password)).toBe(true);
  });

  it("replaces an invalid secret value, keeps a valid password when only the endpoint changed", async () => {
    const sm = new FakeSecretsManager();
    sm.values.set(DB_SECRET, "{not json");
    sm.values.set(APP_SECRET, JSON.stringify({ secret_key: "c2hvcnQ=", algorithm: "HS256" }));
    await run(sm).result;
    const first = sm.json(DB_SECRET);
    expect(first.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(Buffer.from(String(sm.json(APP_SECRET).secret_key), "base64")).toHaveLength(64);

    // the cluster moved (e.g. restored under a new endpoint): same password, new host
    sm.values.set(DB_SECRET, JSON.stringify({ ...first, host: "old.example.internal" }));
    const out = await run(sm).result;
    expect(out.appCredentials?.secretsWritten).toEqual([DB_SECRET]);
    expect(sm.json(DB_SECRET)).toEqual(first);
  });

  it("refuses to turn a superuser into the application role", async () => {
    await withDb((db) => db.query("CREATE ROLE boss SUPERUSER LOGIN"));
    const sm = new FakeSecretsManager();
    const err = await failure(run(sm, {}, "boss").result);
    expect(err.message).toBe(
      "application role boss and secrets failed: role boss is a superuser; the application role must not be one",
    );
    expect(sm.puts).toEqual([]);
  });

  it("names a secret it cannot write, and never quotes a value in the error", async () => {
    const missing = new FakeSecretsManager(new Set([APP_SECRET]));
    const err = await failure(run(missing).result);
    expect(err.message).toBe(
      `application role ${ROLE} and secrets failed: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
    );

    // a client whose error echoes its input
    const echoing = new FakeSecretsManager();
    let written = "";
    echoing.putSecretValue = async (input) => {
      written = input.SecretString;
      throw new Error(`rejected ${input.SecretString}`);
    };
    const echoed = await failure(run(echoing).result);
    const password = String((JSON.parse(written) as { password: string }).password);
    expect(echoed.message).toContain("[redacted]");
    expect(echoed.message).not.toContain(password);
    expect(String(echoed.stack)).not.toContain(password);
  });
});

describe("generated values", () => {
  it("makes 32-character passwords of letters and digits only, each one new", () => {
    const passwords = Array.from({ length: 200 }, () => generatePassword());
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set(passwords).size).toBe(200);
    // every character class shows up over many draws (uniform alphabet)
    const all = passwords.join("");
    expect(all).toMatch(/[A-Z]/);
    expect(all).toMatch(/[a-z]/);
    expect(all).toMatch(/[0-9]/);
  });

  it("builds a SCRAM-SHA-256 verifier that pg's own SCRAM client authenticates against", async () => {
    const password = generatePassword();
    const salt = randomBytes(16);
    const verifier = scramSha256Verifier(password, salt, 4096);
    const m = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(verifier)!;
    expect(Buffer.from(m[1], "base64")).toEqual(salt);
    const storedKey = Buffer.from(m[2], "base64");
    const serverKey = Buffer.from(m[3], "base64");

    /** Play the server's side of a SCRAM exchange holding only the verifier; true when the client's proof is accepted. */
    async function exchange(clientPassword: string): Promise<boolean> {
      const session = sasl.startSession(["SCRAM-SHA-256"]);
      const clientFirstBare = session.response.replace(/^n,,/, "");
      const serverFirst = `r=${session.clientNonce}${randomBytes(18).toString("base64")},s=${salt.toString("base64")},i=4096`;
      await sasl.continueSession(session, clientPassword, serverFirst);
      const [, withoutProof, proofText] = /^(c=biws,r=[^,]+),p=(.+)$/.exec(session.response)!;
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const clientSignature = createHmac("sha256", storedKey).update(authMessage).digest();
      const clientKey = Buffer.from(Buffer.from(proofText, "base64").map((b, i) => b ^ clientSignature[i]));
      const accepted = createHash("sha256").update(clientKey).digest().equals(storedKey);
      if (accepted) {
        // and the client accepts the server's signature made with ServerKey
        const serverSignature = createHmac("sha256", serverKey).update(authMessage).digest("base64");
        sasl.finalizeSession(session, `v=${serverSignature}`);
      }
      return accepted;
    }
    expect(await exchange(password)).toBe(true);
    expect(await exchange(`${password}x`)).toBe(false);
  });
});
