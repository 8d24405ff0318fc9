/**
 * The shared handler connection against real PostgreSQL servers (the
 * machine's PostgreSQL 15, see ../test/postgres.ts): verify-full succeeds
 * against a TLS server whose CA is trusted and whose certificate names the
 * host, and refuses a server without TLS, a certificate for another name and
 * a certificate from a CA outside the trusted set (the RDS bundle).
 */
import { X509Certificate } from "node:crypto";
import { type PostgresServer, startPostgres } from "../test/postgres";
import {
  type ConnectionConfig,
  type SslMode,
  type TlsTrust,
  RDS_CA_CERTIFICATES,
  connectClient,
  pgSslOptions,
} from "./pg-connect";

let tlsServer: PostgresServer;
let plainServer: PostgresServer;
const timings: string[] = [];

beforeAll(async () => {
  [tlsServer, plainServer] = await Promise.all([startPostgres(), startPostgres({ tls: false })]);
  timings.push(
    `start ${tlsServer.startSeconds.toFixed(2)} s (TLS), ${plainServer.startSeconds.toFixed(2)} s (no TLS)`,
  );
}, 120_000);

afterAll(async () => {
  const stops = await Promise.all([tlsServer?.stop(), plainServer?.stop()]);
  timings.push(`stop ${stops.map((s) => s?.toFixed(2)).join(" s, ")} s`);
  process.stdout.write(`PostgreSQL 15 test servers: ${timings.join("; ")}\n`);
}, 60_000);

function config(server: PostgresServer, mode: SslMode, trust?: TlsTrust): ConnectionConfig {
  return {
    host: server.host,
    port: server.port,
    database: "postgres",
    user: server.user,
    password: server.password,
    ssl: pgSslOptions(mode, trust),
    connectionTimeoutMillis: 10_000,
    application_name: "pg-connect-test",
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the connection to fail");
}

describe("verify-full against PostgreSQL 15", () => {
  it("connects over TLS when the certificate chains to the given CA and names the host", async () => {
    const client = await connectClient(
      config(tlsServer, "verify-full", { ca: tlsServer.ca, servername: tlsServer.certHost }),
    );
    try {
      const { rows } = await client.query(
        "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
      );
      expect(rows).toEqual([{ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) }]);
      const auth = await client.query(
        "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' AS scram FROM pg_authid WHERE rolname = 'postgres'",
      );
      expect(auth.rows).toEqual([{ scram: true }]);
    } finally {
      await client.end();
    }
  });

  it("refuses a server without TLS (pg requires TLS once ssl is set)", async () => {
    const err = await failure(
      connectClient(config(plainServer, "verify-full", { ca: tlsServer.ca, servername: "localhost" })),
    );
    expect(err.message).toBe("The server does not support SSL connections");
    // `require` too: TLS is never optional
    const required = await failure(connectClient(config(plainServer, "require")));
    expect(required.message).toBe("The server does not support SSL connections");
    // the server itself accepts that password without TLS: the refusal is the client's
    const plain = await connectClient(config(plainServer, "disable"));
    await plain.end();
  });

  it("refuses a certificate for another host name", async () => {
    const err = await failure(
      connectClient(config(tlsServer, "verify-full", { ca: tlsServer.ca, servername: "db.example.com" })),
    );
    expect(err.message).toMatch(
      /^Hostname\/IP does not match certificate's altnames: Host: db\.example\.com/,
    );
  });

  it("refuses a certificate from a CA outside the trusted set (the RDS bundle by default)", async () => {
    const err = await failure(connectClient(config(tlsServer, "verify-full", { servername: "localhost" })));
    expect((err as Error & { code?: string }).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });
});

describe("the carried RDS certificate authorities", () => {
  const subjects = RDS_CA_CERTIFICATES.map((pem) => new X509Certificate(pem));

  it("are the default trust of verify-full and hold the RDS global bundle roots of the region", () => {
    expect(pgSslOptions("verify-full")).toEqual({ rejectUnauthorized: true, ca: RDS_CA_CERTIFICATES });
    const names = subjects
      .filter((c) => c.ca && c.subject === c.issuer)
      .map((c) => /CN=([^\n]+)/.exec(c.subject)?.[1]);
    for (const root of ["RSA2048", "RSA4096", "ECC384"]) {
      expect(names).toContain(`Amazon RDS ap-northeast-1 Root CA ${root} G1`);
      expect(names).toContain(`Amazon RDS us-east-1 Root CA ${root} G1`);
    }
  });

  it("maps the other modes: require encrypts without verification, disable is plain", () => {
    expect(pgSslOptions("require")).toEqual({ rejectUnauthorized: false });
    expect(pgSslOptions("disable")).toBe(false);
    expect(pgSslOptions("verify-full", { ca: "PEM", servername: "localhost" })).toEqual({
      rejectUnauthorized: true,
      ca: ["PEM"],
      servername: "localhost",
    });
  });
});
