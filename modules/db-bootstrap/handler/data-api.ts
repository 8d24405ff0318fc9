/**
 * An {@link SqlClient} over the RDS Data API (`@aws-sdk/client-rds-data`),
 * so the migration runner works from outside the VPC: every statement is an
 * HTTPS call signed with the function's IAM role, and the Data API signs in to
 * the database with the secret given as `secretArn`.
 *
 * The runner's statements are kept as they are, with three translations:
 * - `BEGIN`, `COMMIT` and `ROLLBACK` become BeginTransaction,
 *   CommitTransaction and RollbackTransaction; every statement in between
 *   carries the transaction id (the Data API runs them on one connection);
 * - positional parameters `$1` become named ones (`:p1`, the Data API's form),
 *   and `$1::bigint` becomes `CAST(:p1 AS bigint)`;
 * - a migration of several statements is sent one statement per call, in the
 *   same transaction (one ExecuteStatement runs one statement).
 *
 * Rows come back as JSON (`formatRecordsAs: "JSON"`), keyed by column name,
 * as `pg` returns them. A paused cluster (0 ACU) answers the first call with
 * `DatabaseResumingException`; the call is repeated until it has resumed.
 *
 * Outside a transaction, consecutive calls may run on different pooled
 * connections, so nothing session-scoped survives between them: the runner
 * takes its lock with `pg_try_advisory_xact_lock` inside each transaction.
 *
 * The SDK is the one the Lambda Node.js runtime provides (the bundle leaves
 * `@aws-sdk/*` out); this file only describes the part it uses.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.html
 */
import { BootstrapError, type DbCredentials, type SqlClient, retry } from "./migrate";

/** Which cluster, secret and database the statements go to. */
export interface DataApiTarget {
  /** ARN of the Aurora cluster (`DB_CLUSTER_ARN`). */
  readonly resourceArn: string;
  /** ARN of the secret the Data API signs in with (`DB_SECRET_ARN`). */
  readonly secretArn: string;
  /** Database name (`DB_NAME`). */
  readonly database: string;
}

/** A Data API parameter value (the subset this client sends). */
export type DataApiValue =
  | { readonly stringValue: string }
  | { readonly longValue: number }
  | { readonly doubleValue: number }
  | { readonly booleanValue: boolean }
  | { readonly isNull: true };

/** The part of `@aws-sdk/client-rds-data` this client uses: its client and four commands. */
export interface RdsDataSdk {
  readonly client: { send(command: unknown): Promise<unknown> };
  readonly ExecuteStatementCommand: new (input: {
    resourceArn: string;
    secretArn: string;
    database: string;
    sql: string;
    parameters?: { name: string; value: DataApiValue }[];
    transactionId?: string;
    formatRecordsAs: "JSON";
  }) => unknown;
  readonly BeginTransactionCommand: new (input: {
    resourceArn: string;
    secretArn: string;
    database: string;
  }) => unknown;
  readonly CommitTransactionCommand: new (input: {
    resourceArn: string;
    secretArn: string;
    transactionId: string;
  }) => unknown;
  readonly RollbackTransactionCommand: new (input: {
    resourceArn: string;
    secretArn: string;
    transactionId: string;
  }) => unknown;
}

/** Options of {@link dataApiClient}. */
export interface DataApiClientOptions {
  /**
   * Calls made while a paused cluster resumes (`DatabaseResumingException`).
   * @default 12
   */
  readonly resumeAttempts?: number;
  /**
   * Pause between two of those calls.
   * @default 5000
   */
  readonly resumeDelayMs?: number;
  /**
   * Where progress lines go.
   * @default console.log
   */
  readonly log?: (line: string) => void;
}

/** Read the target from `DB_CLUSTER_ARN`, `DB_SECRET_ARN` and `DB_NAME`; undefined without `DB_CLUSTER_ARN`. */
export function dataApiTargetFromEnv(env: NodeJS.ProcessEnv): DataApiTarget | undefined {
  const { DB_CLUSTER_ARN: resourceArn, DB_SECRET_ARN: secretArn, DB_NAME: database } = env;
  // DB_NAME alone is the PostgreSQL path's database: the Data API path starts with the cluster ARN
  if (!resourceArn) return undefined;
  const missing = Object.entries({ DB_CLUSTER_ARN: resourceArn, DB_SECRET_ARN: secretArn, DB_NAME: database })
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length > 0) {
    throw new BootstrapError(
      `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not set: the Data API needs DB_CLUSTER_ARN, DB_SECRET_ARN and DB_NAME together`,
    );
  }
  return { resourceArn: resourceArn!, secretArn: secretArn!, database: database! };
}

/**
 * What the runner reports as its target over the Data API: the cluster ARN as
 * host and the secret as user. The Data API reads the password itself, so the
 * function never holds it (the password is empty here).
 */
export function dataApiCredentials(target: DataApiTarget): DbCredentials {
  return {
    host: target.resourceArn,
    port: 443,
    database: target.database,
    username: `(secret ${target.secretArn})`,
    password: "",
  };
}

/** A statement's `$n` parameters as Data API named parameters (`:pn`); `$n::type` becomes `CAST(:pn AS type)`. */
export function toNamedParameters(
  sql: string,
  params: readonly unknown[],
): { sql: string; parameters: { name: string; value: DataApiValue }[] } {
  let out = "";
  for (const part of splitQuoted(sql)) {
    out += part.quoted
      ? part.text
      : part.text.replace(/\$(\d+)(::([A-Za-z_][A-Za-z0-9_ ]*[A-Za-z0-9_]|[A-Za-z_]))?/g, (_, n, _c, type) =>
          type ? `CAST(:p${n} AS ${type})` : `:p${n}`,
        );
  }
  return {
    sql: out,
    parameters: params.map((value, i) => ({ name: `p${i + 1}`, value: toValue(value, i) })),
  };
}

function toValue(value: unknown, index: number): DataApiValue {
  if (value === null || value === undefined) return { isNull: true };
  switch (typeof value) {
    case "string":
      return { stringValue: value };
    case "boolean":
      return { booleanValue: value };
    case "bigint":
      return { stringValue: value.toString() };
    case "number":
      return Number.isSafeInteger(value) ? { longValue: value } : { doubleValue: value };
    default:
      throw new BootstrapError(
        `parameter $${index + 1} has type ${typeof value}, which the Data API client does not send`,
      );
  }
}

/** Pieces of `sql`: string literals, quoted identifiers, dollar-quoted bodies and comments (quoted) and the rest. */
function splitQuoted(sql: string): { text: string; quoted: boolean }[] {
  const parts: { text: string; quoted: boolean }[] = [];
  let plain = "";
  let i = 0;
  const flush = () => {
    if (plain) parts.push({ text: plain, quoted: false });
    plain = "";
  };
  while (i < sql.length) {
    const rest = sql.slice(i);
    const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest);
    let end = -1;
    if (rest.startsWith("--")) end = rest.includes("\n") ? rest.indexOf("\n") + 1 : rest.length;
    else if (rest.startsWith("/*")) end = rest.includes("*/") ? rest.indexOf("*/") + 2 : rest.length;
    else if (rest[0] === "'" || rest[0] === '"') {
      const q = rest[0];
      let j = 1;
      while (j < rest.length) {
        if (rest[j] === q && rest[j + 1] === q) j += 2;
        else if (rest[j] === q) break;
        else j++;
      }
      end = Math.min(j + 1, rest.length);
    } else if (dollar) {
      const close = rest.indexOf(dollar[0], dollar[0].length);
      end = close < 0 ? rest.length : close + dollar[0].length;
    }
    if (end > 0) {
      flush();
      parts.push({ text: rest.slice(0, end), quoted: true });
      i += end;
    } else {
      plain += sql[i];
      i++;
    }
  }
  flush();
  return parts;
}

/**
 * The statements of `sql`, split at semicolons outside literals, quoted
 * identifiers, dollar-quoted bodies and comments; empty statements dropped.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = "";
  for (const part of splitQuoted(sql)) {
    if (part.quoted) {
      current += part.text;
      continue;
    }
    const pieces = part.text.split(";");
    current += pieces[0];
    for (const piece of pieces.slice(1)) {
      statements.push(current);
      current = piece;
    }
  }
  statements.push(current);
  const isComment = (text: string) => text.startsWith("--") || text.startsWith("/*");
  return statements
    .filter((s) => splitQuoted(s).some((p) => (p.quoted ? !isComment(p.text) : p.text.trim() !== "")))
    .map((s) => s.trim());
}

function isResuming(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === "DatabaseResumingException";
}

/**
 * An {@link SqlClient} that sends the runner's statements through the RDS
 * Data API to `target`.
 */
export function dataApiClient(
  target: DataApiTarget,
  sdk: RdsDataSdk,
  options: DataApiClientOptions = {},
): SqlClient {
  const log = options.log ?? console.log;
  const { resourceArn, secretArn, database } = target;
  let transactionId: string | undefined;
  const send = (command: unknown) =>
    retry(() => sdk.client.send(command), {
      attempts: options.resumeAttempts ?? 12,
      delayMs: options.resumeDelayMs ?? 5000,
      shouldRetry: isResuming,
      onRetry: (_err, attempt) => log(`db-bootstrap: the cluster is resuming (call ${attempt}), retrying`),
    });

  const execute = async (sql: string, params: readonly unknown[] | undefined) => {
    const named =
      params && params.length > 0 ? toNamedParameters(sql, params) : { sql, parameters: undefined };
    const out = (await send(
      new sdk.ExecuteStatementCommand({
        resourceArn,
        secretArn,
        database,
        sql: named.sql,
        ...(named.parameters ? { parameters: named.parameters } : {}),
        ...(transactionId ? { transactionId } : {}),
        formatRecordsAs: "JSON",
      }),
    )) as { formattedRecords?: string | null };
    const rows = out.formattedRecords ? (JSON.parse(out.formattedRecords) as Record<string, unknown>[]) : [];
    return { rows };
  };

  return {
    // nothing to open: every call is its own HTTPS request
    connect: async () => undefined,
    query: async (sql, params) => {
      const keyword = sql.trim().replace(/;$/, "").toUpperCase();
      if (keyword === "BEGIN") {
        if (transactionId) throw new BootstrapError("BEGIN inside an open Data API transaction");
        const out = (await send(new sdk.BeginTransactionCommand({ resourceArn, secretArn, database }))) as {
          transactionId?: string;
        };
        if (!out.transactionId) throw new BootstrapError("the Data API returned no transaction id");
        transactionId = out.transactionId;
        return { rows: [] };
      }
      if (keyword === "COMMIT" || keyword === "ROLLBACK") {
        const id = transactionId;
        transactionId = undefined;
        if (!id) return { rows: [] }; // as PostgreSQL: no transaction in progress is only a warning
        const Command = keyword === "COMMIT" ? sdk.CommitTransactionCommand : sdk.RollbackTransactionCommand;
        await sdk.client.send(new Command({ resourceArn, secretArn, transactionId: id }));
        return { rows: [] };
      }
      const statements = params && params.length > 0 ? [sql] : splitStatements(sql);
      let result: { rows: Record<string, unknown>[] } = { rows: [] };
      for (const statement of statements.length > 0 ? statements : [sql])
        result = await execute(statement, params);
      return result;
    },
    end: async () => {
      // a transaction left open (the runner failed between BEGIN and COMMIT) is rolled back
      const id = transactionId;
      transactionId = undefined;
      if (id)
        await sdk.client.send(
          new sdk.RollbackTransactionCommand({ resourceArn, secretArn, transactionId: id }),
        );
    },
  };
}
