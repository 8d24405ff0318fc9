/**
 * The bootstrap handler against a real PostgreSQL with pgvector: PGlite served
 * over the wire protocol on 127.0.0.1 (see test/pglite.ts), reached with the
 * same `pg` client code the function uses. Also the bundled function itself,
 * run by node with a stand-in for the runtime's AWS SDK.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { bundleHandler } from "./bundle";
import { type Migration, makeMigration, migrationsChecksum } from "./handler/checksum";
import {
  BootstrapError,
  type ConnectionConfig,
  type DbCredentials,
  type HandlerOptions,
  LOCK_KEY,
  SCHEMA_MIGRATIONS_DDL,
  type SqlClient,
  createHandler,
  masterCredentials,
  parseCredentials,
  parseEvent,
  parseSslMode,
  safeError,
} from "./handler/migrate";
import { RDS_CA_CERTIFICATES, pgSslOptions as sslOptions } from "../core/handler/pg-connect";
import { DEFAULT_MIGRATIONS_DIR, loadMigrations } from "./migrations";
import { type PgliteServer, pgliteCredentials, startPgliteServer, withPgliteClient } from "./test/pglite";

const DEFAULT = loadMigrations(DEFAULT_MIGRATIONS_DIR);
const BASE = DEFAULT.migrations;
const NOTES = makeMigration(
  "0003_create_notes",
  "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);\nINSERT INTO notes VALUES (1, 'one'), (2, 'two');\n",
);
const BROKEN = makeMigration(
  "0004_broken",
  "CREATE TABLE half_done (id int);\nINSERT INTO notes VALUES (3, 'three');\nSELEC 1;\n",
);

const MASTER_ARN = "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:rds!cluster-1234-AbCdEf";

let server: PgliteServer;
let credentials: DbCredentials;

beforeAll(async () => {
  server = await startPgliteServer();
  // its password is generated per run: the tests look for it in every error message
  credentials = pgliteCredentials(server);
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

/** Run `fn` with a plain client of the test database. */
const withDb = <T>(fn: (db: Client) => Promise<T>): Promise<T> => withPgliteClient(server, fn);

beforeEach(async () => {
  await withDb(async (db) => {
    await db.query("DROP EXTENSION IF EXISTS vector CASCADE");
    await db.query("DROP SCHEMA public CASCADE");
    await db.query("CREATE SCHEMA public");
  });
});

function handlerFor(migrations: readonly Migration[], extra: Partial<HandlerOptions> = {}) {
  const lines: string[] = [];
  const handler = createHandler({
    getCredentials: async () => credentials,
    migrations,
    sslMode: "disable",
    lockPollMs: 10,
    retryDelayMs: 10,
    log: (line) => lines.push(line),
    ...extra,
  });
  return { handler, lines };
}

function event(migrations: readonly Migration[]) {
  return { action: "migrate", checksum: migrationsChecksum(migrations) };
}

/** The rejection of `promise` (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the run to fail");
}

async function recorded(): Promise<{ name: string; checksum: string }[]> {
  return withDb(
    async (db) => (await db.query("SELECT name, checksum FROM schema_migrations ORDER BY name")).rows,
  );
}

describe("migrations against PostgreSQL with pgvector (PGlite)", () => {
  it("applies pgvector on the first run and the vector check passes", async () => {
    const { handler, lines } = handlerFor(BASE);
    const result = await handler(event(BASE));

    expect(result).toEqual({
      applied: ["0001_create_extension_vector", "0002_check_vector"],
      skipped: [],
      vectorCheck: "ok",
      checksum: DEFAULT.checksum,
    });
    expect(await recorded()).toEqual(BASE.map((m) => ({ name: m.name, checksum: m.checksum })));
    await withDb(async (db) => {
      expect((await db.query("SELECT '[1,2,3]'::vector::text AS v")).rows).toEqual([{ v: "[1,2,3]" }]);
      const at = await db.query(
        "SELECT count(*)::int AS n FROM schema_migrations WHERE applied_at IS NOT NULL",
      );
      expect(at.rows[0].n).toBe(2);
      // the session lock is released at the end of the run
      const locks = await db.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
      expect(locks.rows[0].n).toBe(0);
    });
    expect(lines).toContain("db-bootstrap: applied 0001_create_extension_vector");
  });

  it("applies nothing on the second run", async () => {
    await handlerFor(BASE).handler(event(BASE));
    const result = await handlerFor(BASE).handler(event(BASE));
    expect(result).toEqual({
      applied: [],
      skipped: ["0001_create_extension_vector", "0002_check_vector"],
      vectorCheck: "ok",
      checksum: DEFAULT.checksum,
    });
    expect(await recorded()).toHaveLength(2);
  });

  it("applies only the new migration when one is appended", async () => {
    await handlerFor(BASE).handler(event(BASE));
    const list = [...BASE, NOTES];
    const result = await handlerFor(list).handler(event(list));
    expect(result.applied).toEqual(["0003_create_notes"]);
    expect(result.skipped).toEqual(["0001_create_extension_vector", "0002_check_vector"]);
  });

  it("stops at a broken migration, names it with the SQL error, rolls it back and keeps the earlier ones", async () => {
    const list = [...BASE, NOTES, BROKEN];
    const err = await failure(handlerFor(list).handler(event(list)));

    expect(err).toBeInstanceOf(BootstrapError);
    expect(err.message).toContain("migration 0004_broken failed");
    expect(err.message).toContain('syntax error at or near "SELEC"');
    expect(err.message).toContain("SQLSTATE 42601");
    expect(err.message).toContain("at line 3");
    expect((await recorded()).map((r) => r.name)).toEqual([
      "0001_create_extension_vector",
      "0002_check_vector",
      "0003_create_notes",
    ]);
    await withDb(async (db) => {
      expect((await db.query("SELECT id, body FROM notes ORDER BY id")).rows).toEqual([
        { id: 1, body: "one" },
        { id: 2, body: "two" },
      ]);
      expect((await db.query("SELECT to_regclass('half_done') AS t")).rows).toEqual([{ t: null }]);
    });

    // once fixed (as a new file), the next run continues from there
    const fixed = [...BASE, NOTES, makeMigration("0004_fixed", "INSERT INTO notes VALUES (3, 'three');")];
    expect((await handlerFor(fixed).handler(event(fixed))).applied).toEqual(["0004_fixed"]);
  });

  it("commits a migration and its schema_migrations record together", async () => {
    // the runner's own INSERT fails (duplicate key): the migration's table must go too
    const selfRecording = makeMigration(
      "0003_self_record",
      "CREATE TABLE marker (id int);\nINSERT INTO schema_migrations (name, checksum) VALUES ('0003_self_record', 'x');\n",
    );
    const list = [...BASE, selfRecording];
    const err = await failure(handlerFor(list).handler(event(list)));
    expect(err.message).toContain(
      "migration 0003_self_record failed: duplicate key value violates unique constraint",
    );
    expect((await recorded()).map((r) => r.name)).toEqual(BASE.map((m) => m.name));
    await withDb(async (db) => {
      expect((await db.query("SELECT to_regclass('marker') AS t")).rows).toEqual([{ t: null }]);
    });
  });

  it("rejects an applied migration whose checksum changed, before applying anything", async () => {
    await handlerFor(BASE).handler(event(BASE));
    const edited = [makeMigration(BASE[0].name, `${BASE[0].sql}-- edited\n`), BASE[1], NOTES];
    const err = await failure(handlerFor(edited).handler(event(edited)));

    expect(err.message).toContain(
      `migration 0001_create_extension_vector was applied with checksum ${BASE[0].checksum} but the bundled file has checksum ${edited[0].checksum}`,
    );
    expect(err.message).toContain("append-only");
    expect(await recorded()).toHaveLength(2);
  });

  it("rejects a database that has migrations the bundle lacks (renamed or deleted)", async () => {
    const list = [...BASE, NOTES];
    await handlerFor(list).handler(event(list));
    const err = await failure(handlerFor(BASE).handler(event(BASE)));
    expect(err.message).toContain("does not bundle: 0003_create_notes");
  });

  it("rejects a new migration numbered below an applied one", async () => {
    const later = makeMigration("0005_later", "SELECT 1;");
    await handlerFor([...BASE, later]).handler(event([...BASE, later]));
    const list = [...BASE, NOTES, later];
    const err = await failure(handlerFor(list).handler(event(list)));
    expect(err.message).toContain("migration 0003_create_notes sorts before the already applied 0005_later");
    expect(await recorded()).toHaveLength(3);
  });

  it("fails the run when the vector type does not work", async () => {
    const list = [makeMigration("0001_nothing", "SELECT 1;")];
    const err = await failure(handlerFor(list).handler(event(list)));
    expect(err.message).toMatch(
      /^vector check failed: SELECT '\[1,2,3\]'::vector: type "vector" does not exist/,
    );
  });

  it("never puts the password in an error", async () => {
    const { password } = credentials;
    const errors: Error[] = [];

    // a SQL error that quotes a value
    const quoting = [makeMigration("0001_quote", `SELECT '${password}'::int;`)];
    errors.push(await failure(handlerFor(quoting).handler(event(quoting))));
    // a broken migration
    const list = [...BASE, NOTES, BROKEN];
    errors.push(await failure(handlerFor(list).handler(event(list))));
    // nothing listens on the port
    const port = await closedPort();
    errors.push(
      await failure(
        handlerFor(BASE, {
          getCredentials: async () => ({ ...credentials, port }),
          connectAttempts: 2,
        }).handler(event(BASE)),
      ),
    );
    // a client that echoes its whole configuration
    const echo = (config: ConnectionConfig): SqlClient => {
      throw new Error(`cannot use ${JSON.stringify(config)}`);
    };
    errors.push(await failure(handlerFor(BASE, { clientFactory: echo }).handler(event(BASE))));

    expect(errors[0].message).toContain("migration 0001_quote failed: invalid input syntax for type integer");
    expect(errors[2].message).toContain(`cannot connect to 127.0.0.1:${port}/postgres as postgres: `);
    expect(errors[2].message).toContain("ECONNREFUSED");
    expect(errors[3].message).toContain("[redacted]");
    for (const err of errors) {
      expect(err).toBeInstanceOf(BootstrapError);
      expect(err.message).not.toContain(password);
      expect(String(err.stack)).not.toContain(password);
      expect(err.message).not.toMatch(/postgres(ql)?:\/\//);
    }
  });
});

/** A port on 127.0.0.1 that nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe("the bundled function", () => {
  let sdkDir: string;

  beforeAll(() => {
    // stand-in for the runtime's @aws-sdk/client-secrets-manager
    sdkDir = mkdtempSync(join(tmpdir(), "db-bootstrap-sdk-"));
    const pkg = join(sdkDir, "node_modules", "@aws-sdk", "client-secrets-manager");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, "index.js"),
      [
        "const fs = require('fs');",
        "class GetSecretValueCommand { constructor(input) { this.input = input; } }",
        "class PutSecretValueCommand { constructor(input) { this.input = input; this.put = true; } }",
        "const notFound = (m) => Object.assign(new Error(m), { name: 'ResourceNotFoundException' });",
        "const load = () => (process.env.STORE_FILE && fs.existsSync(process.env.STORE_FILE) ? JSON.parse(fs.readFileSync(process.env.STORE_FILE, 'utf8')) : {});",
        "class SecretsManagerClient {",
        "  async send(command) {",
        "    const id = command.input.SecretId;",
        "    if (id === process.env.EXPECTED_SECRET_ID && !command.put) return { SecretString: process.env.FAKE_SECRET_STRING };",
        "    const store = load();",
        "    const known = (process.env.APP_SECRETS || '').split(',').includes(id);",
        "    if (!known) throw notFound('Secrets Manager can\\'t find the specified secret.');",
        "    if (command.put) { store[id] = command.input.SecretString; fs.writeFileSync(process.env.STORE_FILE, JSON.stringify(store)); return {}; }",
        "    if (store[id] === undefined) throw notFound('Secrets Manager can\\'t find the specified secret value for staging label: AWSCURRENT');",
        "    return { SecretString: store[id] };",
        "  }",
        "}",
        "module.exports = { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand };",
      ].join("\n"),
    );
  });

  afterAll(() => {
    rmSync(sdkDir, { recursive: true, force: true });
  });

  /** Run the bundle's handler in a fresh node process; `out` is the JSON it ends with ({result} or {error}). */
  function runBundle(
    input: unknown,
    env: Record<string, string>,
  ): Promise<{ code: number | null; out: string; logs: string }> {
    const bundle = bundleHandler(BASE);
    const script = [
      `const { handler } = require(${JSON.stringify(join(bundle.directory, "index.js"))});`,
      `handler(${JSON.stringify(input)}, { getRemainingTimeInMillis: () => 60000 }).then(`,
      "  (r) => process.stdout.write('\\n' + JSON.stringify({ result: r })),",
      "  (e) => { process.stdout.write('\\n' + JSON.stringify({ error: e.message })); process.exitCode = 1; });",
    ].join("\n");
    const child = spawn(process.execPath, ["-e", script], {
      env: {
        PATH: process.env.PATH ?? "",
        NODE_PATH: join(sdkDir, "node_modules"),
        // the master user secret RDS manages holds {username, password}; the endpoint comes from the environment
        MASTER_USER_SECRET_ID: MASTER_ARN,
        EXPECTED_SECRET_ID: MASTER_ARN,
        DB_HOST: "127.0.0.1",
        DB_PORT: String(server.port),
        DB_NAME: "postgres",
        DB_SSL_MODE: "disable",
        FAKE_SECRET_STRING: JSON.stringify({ username: "postgres", password: credentials.password }),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    return new Promise((resolve) =>
      child.once("close", (code) => {
        const lines = out.trimEnd().split("\n");
        resolve({ code, out: lines.at(-1) ?? "", logs: lines.slice(0, -1).join("\n") });
      }),
    );
  }

  it("runs the migrations with the secret read through the runtime's SDK", async () => {
    const run = await runBundle({ action: "migrate", checksum: DEFAULT.checksum }, {});
    expect(JSON.parse(run.out)).toEqual({
      result: {
        applied: ["0001_create_extension_vector", "0002_check_vector"],
        skipped: [],
        vectorCheck: "ok",
        checksum: DEFAULT.checksum,
      },
    });
    expect(run.code).toBe(0);
    expect(run.logs).toContain("db-bootstrap: applied 0002_check_vector");
    expect(run.logs).not.toContain(credentials.password);
  }, 30_000);

  it("creates the application role and writes its secrets through the runtime's SDK, once", async () => {
    const store = join(sdkDir, "store.json");
    const env = {
      APP_ROLE_NAME: "bundle_app",
      DB_SECRET_NAME: "hr-chatbot/database",
      APP_SECRET_NAME: "hr-chatbot/app-secrets",
      JWT_ALGORITHM: "HS384",
      APP_SECRETS: "hr-chatbot/database,hr-chatbot/app-secrets",
      STORE_FILE: store,
    };
    try {
      const first = await runBundle({ action: "migrate" }, env);
      expect(JSON.parse(first.out).result.appCredentials).toEqual({
        role: "bundle_app",
        roleCreated: true,
        secretsWritten: ["hr-chatbot/database", "hr-chatbot/app-secrets"],
      });
      const written = JSON.parse(readFileSync(store, "utf8")) as Record<string, string>;
      const db = JSON.parse(written["hr-chatbot/database"]) as Record<string, unknown>;
      expect(db).toMatchObject({
        host: "127.0.0.1",
        port: server.port,
        database: "postgres",
        username: "bundle_app",
      });
      expect(JSON.parse(written["hr-chatbot/app-secrets"]).algorithm).toBe("HS384");
      expect(first.logs).not.toContain(String(db.password));

      const second = await runBundle({ action: "migrate" }, env);
      expect(JSON.parse(second.out).result.appCredentials.secretsWritten).toEqual([]);
      expect(readFileSync(store, "utf8")).toBe(JSON.stringify(written));
    } finally {
      rmSync(store, { force: true });
      await withDb(async (db) => {
        await db.query("DROP OWNED BY bundle_app");
        await db.query("DROP ROLE bundle_app");
      });
    }
  }, 60_000);

  it("names the secret it cannot read and rejects a stale checksum", async () => {
    const missing = await runBundle({ action: "migrate" }, { MASTER_USER_SECRET_ID: "hr-chatbot/nope" });
    expect(JSON.parse(missing.out).error).toBe(
      "cannot read secret hr-chatbot/nope: ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    );
    const noHost = await runBundle({ action: "migrate" }, { DB_HOST: "" });
    expect(JSON.parse(noHost.out).error).toBe("DB_HOST not set");
    expect(missing.code).toBe(1);
    const stale = await runBundle({ action: "migrate", checksum: "0".repeat(64) }, {});
    expect(JSON.parse(stale.out).error).toContain("does not match the bundled migrations");
  }, 30_000);
});

describe("handler input and settings", () => {
  it("accepts only the migrate action and the bundled checksum", () => {
    const sum = DEFAULT.checksum;
    expect(parseEvent({ action: "migrate", checksum: sum }, sum)).toEqual({
      action: "migrate",
      checksum: sum,
    });
    expect(parseEvent({ action: "migrate" }, sum)).toEqual({ action: "migrate", checksum: undefined });
    expect(() => parseEvent({ action: "drop" }, sum)).toThrow(
      'unsupported action "drop": the only action is "migrate"',
    );
    expect(() => parseEvent("migrate", sum)).toThrow("the input must be a JSON object");
    expect(() => parseEvent({ action: "migrate", checksum: "abc" }, sum)).toThrow(
      `the input checksum "abc" does not match the bundled migrations (${sum})`,
    );
  });

  it("combines the master user secret {username, password} with the endpoint from the environment", () => {
    const password = randomBytes(16).toString("hex");
    const env = { DB_HOST: "db.example", DB_PORT: "5432", DB_NAME: "hr_chatbot" };
    expect(masterCredentials(JSON.stringify({ username: "postgres", password }), "m", env)).toEqual({
      host: "db.example",
      port: 5432,
      database: "hr_chatbot",
      username: "postgres",
      password,
    });
    expect(() => masterCredentials(JSON.stringify({ username: "postgres", password }), "m", {})).toThrow(
      "DB_HOST, DB_PORT, DB_NAME not set",
    );
    expect(() => masterCredentials(`{"password":"${password}"`, "m", env)).toThrow(
      "secret m is not valid JSON",
    );
    expect(() => masterCredentials(JSON.stringify({ username: "postgres" }), "m", env)).toThrow(
      'secret m field "password" must be a non-empty string',
    );
  });

  it("parses the database secret without ever quoting it", () => {
    const password = randomBytes(16).toString("hex");
    const doc = { host: "db.example", port: 5432, database: "hr_chatbot", username: "postgres", password };
    expect(parseCredentials(JSON.stringify(doc), "s")).toEqual(doc);
    expect(parseCredentials(JSON.stringify({ ...doc, port: "5432" }), "s").port).toBe(5432);

    const bad: [string | undefined, string][] = [
      [undefined, "secret s has no string value"],
      [`{"password":"${password}",`, "secret s is not valid JSON"],
      [JSON.stringify([password]), "secret s must hold a JSON object"],
      [JSON.stringify({ ...doc, host: "" }), 'secret s field "host" must be a non-empty string'],
      [
        JSON.stringify({ ...doc, password: undefined }),
        'secret s field "password" must be a non-empty string',
      ],
      [JSON.stringify({ ...doc, port: 70000 }), 'secret s field "port" must be an integer from 1 to 65535'],
    ];
    for (const [text, message] of bad) {
      let err: unknown;
      try {
        parseCredentials(text, "s");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BootstrapError);
      expect((err as Error).message).toBe(message);
      expect((err as Error).message).not.toContain(password);
    }
  });

  it("maps the TLS modes to pg settings; verify-full is the default", () => {
    expect(parseSslMode(undefined)).toBe("verify-full");
    expect(parseSslMode("require")).toBe("require");
    expect(() => parseSslMode("allow")).toThrow(
      'DB_SSL_MODE "allow" must be one of verify-full, require, disable',
    );
    expect(sslOptions("verify-full")).toEqual({ rejectUnauthorized: true, ca: RDS_CA_CERTIFICATES });
    expect(sslOptions("require")).toEqual({ rejectUnauthorized: false });
    expect(sslOptions("disable")).toBe(false);
  });

  it("connects with TLS verification unless told otherwise", async () => {
    const seen: ConnectionConfig[] = [];
    const handler = createHandler({
      getCredentials: async () => ({ ...stubCredentials(), host: "db.example" }),
      migrations: BASE,
      clientFactory: (config) => {
        seen.push(config);
        return new FakeClient().asSqlClient();
      },
      log: () => undefined,
    });
    await handler({ action: "migrate" });
    expect(seen[0]).toMatchObject({
      host: "db.example",
      ssl: { rejectUnauthorized: true, ca: RDS_CA_CERTIFICATES },
      user: "postgres",
    });
  });

  it("refuses an unusable migration list when the handler is created", () => {
    const ok = makeMigration("0001_a", "SELECT 1;");
    const make = (migrations: Migration[]) => () =>
      createHandler({ getCredentials: async () => stubCredentials(), migrations });
    expect(make([])).toThrow("the bundled migrations are unusable: there are no migrations");
    expect(make([makeMigration("0002_b", "SELECT 1;"), ok])).toThrow('migration "0001_a" is out of order');
    expect(make([ok, makeMigration("0001_b", "SELECT 1;")])).toThrow("migration number 0001 is used twice");
    expect(make([makeMigration("1_a", "SELECT 1;")])).toThrow('migration name "1_a" must look like');
    expect(make([makeMigration("0001_a", "  \n")])).toThrow('migration "0001_a" is empty');
    expect(make([{ ...ok, sql: "SELECT 2;" }])).toThrow(
      'migration "0001_a" has a checksum that does not match its SQL',
    );
  });

  it("redacts secrets (also URL-encoded) from any error", () => {
    const secret = "a/b+c=d";
    const err = safeError(new Error(`failed for ${secret} and ${encodeURIComponent(secret)}`), [secret]);
    expect(err.message).toBe("failed for [redacted] and [redacted]");
  });
});

function stubCredentials(): DbCredentials {
  return {
    host: "127.0.0.1",
    port: 5432,
    database: "postgres",
    username: "postgres",
    password: randomBytes(8).toString("hex"),
  };
}

/** A scripted database client that records every statement. */
class FakeClient {
  public readonly queries: string[] = [];
  public ended = false;

  constructor(private readonly lockFree: () => boolean = () => true) {}

  asSqlClient(): SqlClient {
    return {
      connect: async () => undefined,
      end: async () => {
        this.ended = true;
      },
      query: async (sql: string) => {
        this.queries.push(sql);
        if (sql.includes("pg_try_advisory_xact_lock")) return { rows: [{ locked: this.lockFree() }] };
        if (sql.startsWith("SELECT name, checksum FROM schema_migrations")) return { rows: [] };
        if (sql.includes("'[1,2,3]'::vector::text")) return { rows: [{ v: "[1,2,3]" }] };
        return { rows: [] };
      },
    };
  }
}

describe("the migration lock", () => {
  it("is taken at the start of every transaction, before schema_migrations is touched, and ends with it", async () => {
    const fake = new FakeClient();
    const handler = createHandler({
      getCredentials: async () => stubCredentials(),
      migrations: BASE,
      clientFactory: () => fake.asSqlClient(),
      log: () => undefined,
    });
    await handler({ action: "migrate" });
    const q = fake.queries;
    const lock = "SELECT pg_try_advisory_xact_lock($1::bigint) AS locked";
    expect(q.slice(0, 3)).toEqual(["BEGIN", lock, SCHEMA_MIGRATIONS_DDL]);
    // each migration: its own transaction, locked, re-checked under the lock, then recorded
    for (const m of BASE) {
      const at = q.indexOf(m.sql);
      expect(q.slice(at - 3, at)).toEqual([
        "BEGIN",
        lock,
        "SELECT checksum FROM schema_migrations WHERE name = $1",
      ]);
      expect(q.slice(at + 1, at + 3)).toEqual([
        "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
        "COMMIT",
      ]);
    }
    expect(q.filter((s) => s === "BEGIN")).toHaveLength(q.filter((s) => s === "COMMIT").length);
    // no session-level lock: nothing outlives a transaction
    expect(q.some((s) => /pg_(try_)?advisory_(un)?lock\(/.test(s))).toBe(false);
    expect(fake.ended).toBe(true);
    expect(LOCK_KEY).toMatch(/^\d+$/);
  });

  it("waits for another run, then gives up with a clear message before the function would time out", async () => {
    let attempts = 0;
    const fake = new FakeClient(() => ++attempts > 3);
    const waiting = createHandler({
      getCredentials: async () => stubCredentials(),
      migrations: BASE,
      clientFactory: () => fake.asSqlClient(),
      lockPollMs: 5,
      log: () => undefined,
    });
    await waiting({ action: "migrate" });
    // three refusals, then the first transaction and one per migration get the lock at once
    expect(attempts).toBe(4 + BASE.length);

    const busy = new FakeClient(() => false);
    const giving = createHandler({
      getCredentials: async () => stubCredentials(),
      migrations: BASE,
      clientFactory: () => busy.asSqlClient(),
      lockPollMs: 5,
      lockWaitMs: 60_000,
      log: () => undefined,
    });
    // 20.05 s left: the wait ends 20 s before the timeout, after ~50 ms
    const err = await failure(giving({ action: "migrate" }, { getRemainingTimeInMillis: () => 20_050 }));
    expect(err.message).toMatch(
      /^another run holds the migration lock \(advisory lock \d+\); gave up after \d+ s$/,
    );
    expect(busy.queries.some((s) => s.includes("schema_migrations"))).toBe(false);
    expect(busy.queries.filter((s) => s === "BEGIN")).toHaveLength(
      busy.queries.filter((s) => s === "ROLLBACK").length,
    );
    expect(busy.ended).toBe(true);
  });
});
