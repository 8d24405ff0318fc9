/**
 * The migration runner through the RDS Data API.
 *
 * moto (the pinned 5.2.5 in .venv) serves rds-data ExecuteStatement but runs
 * no SQL: it answers each distinct statement with the next result of a queue
 * the test fills through `/moto-api/static/rds-data/statement-results`, and it
 * has no transaction calls. So:
 * - the VPC path (a `pg` client) runs against PostgreSQL with pgvector
 *   (PGlite), through a recording layer that keeps every statement and its rows;
 * - those rows are queued in moto, and the Data API path runs through the same
 *   handler, the same recording layer and the real `@aws-sdk/client-rds-data`
 *   client against moto; BeginTransaction, CommitTransaction and
 *   RollbackTransaction are answered by a middleware in the SDK client that
 *   records them (moto lacks them);
 * - both paths must send the same statements with the same parameters, and
 *   the requests moto receives must have the Data API's shape.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from "@aws-sdk/client-rds-data";
import { Client } from "pg";
import { makeMigration } from "./handler/checksum";
import {
  type DataApiTarget,
  type RdsDataSdk,
  dataApiClient,
  dataApiCredentials,
  dataApiTargetFromEnv,
  splitStatements,
  toNamedParameters,
} from "./handler/data-api";
import { type BootstrapResult, type DbCredentials, type SqlClient, createHandler } from "./handler/migrate";
import { pgClientFactory } from "../core/handler/pg-connect";
import { DEFAULT_MIGRATIONS_DIR, loadMigrations } from "./migrations";
import { type PgliteServer, startPgliteServer } from "./test/pglite";

const MIGRATIONS = loadMigrations(DEFAULT_MIGRATIONS_DIR).migrations;
const REGION = "ap-northeast-1";
const TARGET: DataApiTarget = {
  resourceArn: `arn:aws:rds:${REGION}:123456789012:cluster:hr-chatbot-lowcost-cluster`,
  secretArn: `arn:aws:secretsmanager:${REGION}:123456789012:secret:hr-chatbot-lowcost/database-AbCdEf`,
  database: "hr_chatbot",
};

/** One statement as the runner sent it, and the rows it got back. */
interface Recorded {
  readonly sql: string;
  readonly params: readonly unknown[] | undefined;
  readonly rows: Record<string, unknown>[];
}

/** Wrap a client so every statement and its rows are kept. */
function recording(client: SqlClient, log: Recorded[]): SqlClient {
  return {
    connect: () => client.connect(),
    end: () => client.end(),
    query: async (sql, params) => {
      const result = await client.query(sql, params);
      log.push({ sql, params: params === undefined ? undefined : [...params], rows: result.rows });
      return result;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

const MOTO_SERVER = join(resolve(__dirname, "..", ".."), ".venv", "bin", "moto_server");
let moto: ChildProcess;
let motoUrl: string;
let pglite: PgliteServer;
let pgCredentials: DbCredentials;

beforeAll(async () => {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(`${MOTO_SERVER} is missing: the jest global setup installs the pinned moto into .venv`);
  }
  const port = await freePort();
  motoUrl = `http://127.0.0.1:${port}`;
  moto = spawn(MOTO_SERVER, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  pglite = await startPgliteServer();
  pgCredentials = {
    host: "127.0.0.1",
    port: pglite.port,
    database: "postgres",
    username: "postgres",
    password: randomBytes(16).toString("hex"),
  };
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${motoUrl}/moto-api/`)).ok) break;
    } catch {
      if (i > 150) throw new Error("moto_server did not start within 30 s");
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}, 120_000);

const sdkClients: RDSDataClient[] = [];

afterAll(async () => {
  sdkClients.forEach((c) => c.destroy());
  if (moto?.pid !== undefined && moto.exitCode === null) {
    const exited = new Promise((r) => moto.once("exit", r));
    moto.kill("SIGTERM");
    await exited;
  }
  await pglite?.stop();
});

async function resetDatabase(): Promise<void> {
  const db = new Client({ ...pgCredentials, user: "postgres" });
  await db.connect();
  try {
    await db.query("DROP EXTENSION IF EXISTS vector CASCADE");
    await db.query("DROP SCHEMA public CASCADE");
    await db.query("CREATE SCHEMA public");
  } finally {
    await db.end();
  }
}

/** The transaction calls the SDK client made (answered in the client: moto lacks them). */
interface TransactionCall {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** A real rds-data SDK client pointed at moto, with the transaction calls answered and recorded. */
function motoSdk(): {
  sdk: RdsDataSdk;
  transactions: TransactionCall[];
  executes: Record<string, unknown>[];
} {
  const client = new RDSDataClient({
    region: REGION,
    endpoint: motoUrl,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 1,
  });
  sdkClients.push(client);
  const transactions: TransactionCall[] = [];
  const executes: Record<string, unknown>[] = [];
  let next = 0;
  client.middlewareStack.add(
    (handler, context) => async (args) => {
      const command = context.commandName ?? "";
      const input = args.input as unknown as Record<string, unknown>;
      if (command === "ExecuteStatementCommand") {
        executes.push(input);
        return handler(args);
      }
      transactions.push({ command, input });
      const output = command === "BeginTransactionCommand" ? { transactionId: `tx-${++next}` } : {};
      return { output: { $metadata: {}, ...output }, response: {} } as never;
    },
    { step: "initialize", name: "answerTransactionCalls" },
  );
  return {
    sdk: {
      client,
      ExecuteStatementCommand,
      BeginTransactionCommand,
      CommitTransactionCommand,
      RollbackTransactionCommand,
    },
    transactions,
    executes,
  };
}

/** Queue in moto the rows of each distinct statement, in the order the Data API will first send them. */
async function queueResults(recorded: readonly Recorded[]): Promise<void> {
  const seen = new Set<string>();
  const results: { formattedRecords: string; records: [] }[] = [];
  for (const r of recorded) {
    if (/^(BEGIN|COMMIT|ROLLBACK)$/.test(r.sql)) continue;
    const sent = r.params?.length ? toNamedParameters(r.sql, r.params).sql : r.sql;
    for (const statement of r.params?.length ? [sent] : splitStatements(sent)) {
      if (seen.has(statement)) continue;
      seen.add(statement);
      results.push({ formattedRecords: JSON.stringify(r.rows), records: [] });
    }
  }
  await fetch(`${motoUrl}/moto-api/reset`, { method: "POST" });
  // moto takes queued results from the end of the list
  const res = await fetch(`${motoUrl}/moto-api/static/rds-data/statement-results`, {
    method: "POST",
    body: JSON.stringify({ region: REGION, results: results.reverse() }),
  });
  expect(res.status).toBe(201);
}

const quiet = () => undefined;

describe("the migrations through the Data API (moto) send what the VPC path sends (PostgreSQL)", () => {
  let viaPg: Recorded[];
  let viaDataApi: Recorded[];
  let pgResult: BootstrapResult;
  let dataApiResult: BootstrapResult;
  let calls: ReturnType<typeof motoSdk>;

  beforeAll(async () => {
    await resetDatabase();
    viaPg = [];
    pgResult = await createHandler({
      getCredentials: async () => pgCredentials,
      migrations: MIGRATIONS,
      sslMode: "disable",
      clientFactory: (config) => recording(pgClientFactory(config), viaPg),
      log: quiet,
    })({ action: "migrate" });

    await queueResults(viaPg);
    calls = motoSdk();
    viaDataApi = [];
    dataApiResult = await createHandler({
      getCredentials: async () => dataApiCredentials(TARGET),
      migrations: MIGRATIONS,
      clientFactory: () => recording(dataApiClient(TARGET, calls.sdk, { log: quiet }), viaDataApi),
      log: quiet,
    })({ action: "migrate" });
  }, 120_000);

  it("applies the same migration list with the same result", () => {
    expect(pgResult.applied).toEqual(MIGRATIONS.map((m) => m.name));
    expect(dataApiResult).toEqual(pgResult);
  });

  it("sends the same statements with the same parameters, in the same order", () => {
    expect(viaDataApi.map((r) => [r.sql, r.params])).toEqual(viaPg.map((r) => [r.sql, r.params]));
    expect(viaDataApi.map((r) => r.sql)).toEqual(expect.arrayContaining(MIGRATIONS.map((m) => m.sql)));
  });

  it("turns every BEGIN/COMMIT into BeginTransaction/CommitTransaction, statements in between carrying the id", () => {
    const begins = viaPg.filter((r) => r.sql === "BEGIN").length;
    expect(begins).toBe(1 + MIGRATIONS.length);
    expect(calls.transactions.map((t) => t.command)).toEqual(
      Array.from({ length: begins }, () => ["BeginTransactionCommand", "CommitTransactionCommand"]).flat(),
    );
    for (const t of calls.transactions) {
      expect(t.input).toMatchObject({ resourceArn: TARGET.resourceArn, secretArn: TARGET.secretArn });
      if (t.command === "BeginTransactionCommand") expect(t.input.database).toBe(TARGET.database);
      else expect(t.input.transactionId).toMatch(/^tx-\d+$/);
    }
    // the migration SQL itself ran inside a transaction, the vector check outside
    for (const m of MIGRATIONS) {
      const sent = calls.executes.find((e) => e.sql === splitStatements(m.sql)[0]);
      expect(sent?.transactionId).toMatch(/^tx-\d+$/);
    }
    expect(calls.executes.at(-1)).not.toHaveProperty("transactionId");
  });

  it("sends Data API requests: the cluster, the secret, the database, named parameters, JSON records", () => {
    expect(calls.executes.length).toBeGreaterThan(0);
    for (const e of calls.executes) {
      expect(e).toMatchObject({
        resourceArn: TARGET.resourceArn,
        secretArn: TARGET.secretArn,
        database: TARGET.database,
        formatRecordsAs: "JSON",
      });
      expect(String(e.sql)).not.toMatch(/\$\d/);
    }
    const lock = calls.executes.find((e) => String(e.sql).includes("pg_try_advisory_xact_lock"));
    expect(lock?.sql).toBe("SELECT pg_try_advisory_xact_lock(CAST(:p1 AS bigint)) AS locked");
    expect(lock?.parameters).toEqual([
      { name: "p1", value: { stringValue: expect.stringMatching(/^\d+$/) } },
    ]);
    const insert = calls.executes.find((e) => String(e.sql).startsWith("INSERT INTO schema_migrations"));
    expect(insert?.sql).toBe("INSERT INTO schema_migrations (name, checksum) VALUES (:p1, :p2)");
  });
});

describe("the Data API client", () => {
  it("rolls back through RollbackTransaction when a migration fails, and the run names it", async () => {
    const broken = makeMigration("0003_broken", "SELEC 1;\n");
    const calls = motoSdk();
    // moto runs no SQL: a failing statement is simulated by the SDK client's middleware
    calls.sdk.client.send = ((send) => async (command: unknown) => {
      const input = (command as { input: { sql?: string } }).input;
      if (input.sql?.includes("pg_try_advisory_xact_lock")) return { formattedRecords: '[{"locked":true}]' };
      if (input.sql === "SELEC 1") {
        throw Object.assign(new Error('ERROR: syntax error at or near "SELEC"'), {
          name: "DatabaseErrorException",
        });
      }
      return send(command);
    })(calls.sdk.client.send.bind(calls.sdk.client));
    await fetch(`${motoUrl}/moto-api/reset`, { method: "POST" });
    const run = createHandler({
      getCredentials: async () => dataApiCredentials(TARGET),
      migrations: [...MIGRATIONS, broken],
      clientFactory: () => dataApiClient(TARGET, calls.sdk, { log: quiet }),
      log: quiet,
    })({ action: "migrate" });
    await expect(run).rejects.toThrow('migration 0003_broken failed: ERROR: syntax error at or near "SELEC"');
    const commands = calls.transactions.map((t) => t.command);
    expect(commands.at(-1)).toBe("RollbackTransactionCommand");
    expect(commands.filter((c) => c === "CommitTransactionCommand")).toHaveLength(1 + MIGRATIONS.length);
  }, 120_000);

  it("repeats a call while the paused cluster resumes (DatabaseResumingException)", async () => {
    let calls = 0;
    const sdk: RdsDataSdk = {
      ...motoSdk().sdk,
      client: {
        send: async () => {
          calls++;
          if (calls < 3) throw Object.assign(new Error("resuming"), { name: "DatabaseResumingException" });
          return { formattedRecords: '[{"v":"[1,2,3]"}]' };
        },
      },
    };
    const lines: string[] = [];
    const client = dataApiClient(TARGET, sdk, { resumeDelayMs: 1, log: (l) => lines.push(l) });
    expect(await client.query("SELECT '[1,2,3]'::vector::text AS v")).toEqual({ rows: [{ v: "[1,2,3]" }] });
    expect(calls).toBe(3);
    expect(lines).toHaveLength(2);
  });

  it("rolls back a transaction left open when the run ends", async () => {
    const { sdk, transactions } = motoSdk();
    const client = dataApiClient(TARGET, sdk, { log: quiet });
    await client.query("BEGIN");
    await client.end();
    expect(transactions.map((t) => t.command)).toEqual([
      "BeginTransactionCommand",
      "RollbackTransactionCommand",
    ]);
  });

  it("names parameters and casts, leaving literals and dollar-quoted bodies alone", () => {
    expect(toNamedParameters("SELECT $1::bigint, '$2', $2", ["1", 2])).toEqual({
      sql: "SELECT CAST(:p1 AS bigint), '$2', :p2",
      parameters: [
        { name: "p1", value: { stringValue: "1" } },
        { name: "p2", value: { longValue: 2 } },
      ],
    });
    expect(toNamedParameters("SELECT $$ $1 $$, $1", [true]).sql).toBe("SELECT $$ $1 $$, :p1");
    expect(toNamedParameters("SELECT $1", [null]).parameters).toEqual([
      { name: "p1", value: { isNull: true } },
    ]);
  });

  it("splits a migration into statements at semicolons outside literals, bodies and comments", () => {
    expect(splitStatements("CREATE EXTENSION IF NOT EXISTS vector;\n")).toEqual([
      "CREATE EXTENSION IF NOT EXISTS vector",
    ]);
    expect(
      splitStatements(
        "-- notes; a comment\nCREATE TABLE t (a text DEFAULT ';');\nCREATE FUNCTION f() RETURNS int AS $b$ SELECT 1; $b$ LANGUAGE sql;\n/* end; */",
      ),
    ).toEqual([
      "-- notes; a comment\nCREATE TABLE t (a text DEFAULT ';')",
      "CREATE FUNCTION f() RETURNS int AS $b$ SELECT 1; $b$ LANGUAGE sql",
    ]);
  });

  it("reads its target from DB_CLUSTER_ARN, DB_SECRET_ARN and DB_NAME once DB_CLUSTER_ARN is set", () => {
    expect(dataApiTargetFromEnv({})).toBeUndefined();
    // the PostgreSQL path's environment (DB_NAME with DB_HOST and DB_PORT) is not a Data API target
    expect(dataApiTargetFromEnv({ DB_HOST: "h", DB_PORT: "5432", DB_NAME: TARGET.database })).toBeUndefined();
    expect(
      dataApiTargetFromEnv({
        DB_CLUSTER_ARN: TARGET.resourceArn,
        DB_SECRET_ARN: TARGET.secretArn,
        DB_NAME: TARGET.database,
      }),
    ).toEqual(TARGET);
    expect(() => dataApiTargetFromEnv({ DB_CLUSTER_ARN: TARGET.resourceArn })).toThrow(
      "DB_SECRET_ARN and DB_NAME are not set: the Data API needs DB_CLUSTER_ARN, DB_SECRET_ARN and DB_NAME together",
    );
  });
});
