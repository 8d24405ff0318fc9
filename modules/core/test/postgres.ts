/**
 * Test helper: a real PostgreSQL server (the machine's `initdb`/`pg_ctl`,
 * PostgreSQL 15 here) in a temporary folder, listening on 127.0.0.1 only.
 *
 * - `tls: true` (default): `ssl = on` with a throwaway CA and a server
 *   certificate for `certHost` made by `openssl`; pg_hba admits `hostssl`
 *   connections only, with `scram-sha-256`.
 * - `tls: false`: `ssl = off`; pg_hba admits `hostnossl` connections only.
 *
 * Passwords are stored as SCRAM (`password_encryption = scram-sha-256`). The
 * server is always stopped: by `stop()` (call it in `afterAll`) and, should
 * the test process end first, by an exit handler that runs `pg_ctl stop
 * -m immediate`. Run as root, the server runs as the `postgres` user
 * (PostgreSQL refuses root).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /**
   * Serve TLS (and refuse connections without it) or no TLS at all.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Name in the server certificate (subjectAltName DNS).
   * @default "localhost"
   */
  readonly certHost?: string;
}

/** A running server. */
export interface PostgresServer {
  /** Always `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  /** The superuser, `postgres`. */
  readonly user: string;
  /** The superuser's password (random per server). */
  readonly password: string;
  /** PEM of the throwaway CA that signed the server certificate (empty without TLS). */
  readonly ca: string;
  /** Name the server certificate carries (`certHost`). */
  readonly certHost: string;
  /** The server log (statements are logged as on Aurora: `log_statement = ddl`); gone after `stop()`. */
  readonly logFile: string;
  /** Seconds from `initdb` until the server accepted connections. */
  readonly startSeconds: number;
  /** Stop the server and delete its folder; resolves with the seconds it took. Safe to call twice. */
  stop(): Promise<number>;
}

const HOST = "127.0.0.1";
const running = new Set<string>();
let exitHandlerInstalled = false;

/** The `postgres` account when running as root (PostgreSQL refuses to run as root). */
function runAs(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const out = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (out.status !== 0 || gid.status !== 0) {
    throw new Error("running as root needs a `postgres` user to run the PostgreSQL server as");
  }
  return { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function chownTree(path: string, owner: { uid: number; gid: number }): void {
  chownSync(path, owner.uid, owner.gid);
  if (statSync(path).isDirectory()) for (const f of readdirSync(path)) chownTree(join(path, f), owner);
}

/** A free TCP port on 127.0.0.1 (asks the kernel for one, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A throwaway CA and a server certificate for `host` (P-256 keys: fast), in `dir`. */
function makeCertificates(dir: string, host: string): void {
  openssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"]
      .concat(["-subj", "/CN=throwaway test CA", "-keyout", "ca.key", "-out", "ca.crt"])
      .concat(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"]),
    dir,
  );
  openssl(
    ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"].concat([
      "-subj",
      `/CN=${host}`,
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
    ]),
    dir,
  );
  writeFileSync(join(dir, "server.ext"), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"].concat([
      "-days",
      "2",
      "-extfile",
      "server.ext",
      "-out",
      "server.crt",
    ]),
    dir,
  );
}

function pgCtlStop(dataDir: string, mode: "fast" | "immediate", owner?: { uid: number; gid: number }) {
  return spawnSync("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", "30", "stop"], {
    stdio: "ignore",
    ...(owner ?? {}),
  });
}

function installExitHandler(owner?: { uid: number; gid: number }): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on("exit", () => {
    for (const dataDir of running) pgCtlStop(dataDir, "immediate", owner);
  });
}

/** Start a server; throws (after cleaning up) when it does not come up. */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const tls = options.tls ?? true;
  const certHost = options.certHost ?? "localhost";
  const owner = runAs();
  const started = process.hrtime.bigint();
  const dir = mkdtempSync(join(tmpdir(), "pg15-test-"));
  const dataDir = join(dir, "data");
  const password = randomBytes(18).toString("base64url");
  const port = await freePort();
  const as = owner ?? {};
  try {
    writeFileSync(join(dir, "pwfile"), `${password}\n`, { mode: 0o600 });
    if (tls) makeCertificates(dir, certHost);
    if (owner) chownTree(dir, owner);
    execFileSync(
      "initdb",
      ["-D", dataDir, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${join(dir, "pwfile")}`].concat([
        "-E",
        "UTF8",
        "--no-sync",
        "--no-instructions",
      ]),
      { stdio: ["ignore", "ignore", "pipe"], ...as },
    );
    const settings = [
      `listen_addresses = '${HOST}'`,
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      "password_encryption = 'scram-sha-256'",
      `ssl = ${tls ? "on" : "off"}`,
      ...(tls
        ? [`ssl_cert_file = '${join(dir, "server.crt")}'`, `ssl_key_file = '${join(dir, "server.key")}'`]
        : []),
      "log_statement = 'ddl'",
      "fsync = off",
      "max_connections = 20",
      "shared_buffers = 16MB",
    ];
    writeFileSync(join(dataDir, "postgresql.auto.conf"), `${settings.join("\n")}\n`);
    writeFileSync(
      join(dataDir, "pg_hba.conf"),
      `${tls ? "hostssl" : "hostnossl"} all all ${HOST}/32 scram-sha-256\n`,
    );
    if (owner) chownTree(dataDir, owner);
    installExitHandler(owner);
    running.add(dataDir);
    execFileSync("pg_ctl", ["-D", dataDir, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"], {
      stdio: ["ignore", "ignore", "pipe"],
      ...as,
    });
  } catch (err) {
    pgCtlStop(dataDir, "immediate", owner);
    running.delete(dataDir);
    rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`PostgreSQL did not start: ${(err as Error).message} ${stderr}`);
  }
  const startSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const ca = tls ? readFileSync(join(dir, "ca.crt"), "utf8") : "";
  let stopped: Promise<number> | undefined;
  const stop = (): Promise<number> => {
    stopped ??= (async () => {
      const t0 = process.hrtime.bigint();
      pgCtlStop(dataDir, "fast", owner);
      running.delete(dataDir);
      rmSync(dir, { recursive: true, force: true });
      return Number(process.hrtime.bigint() - t0) / 1e9;
    })();
    return stopped;
  };
  const logFile = join(dir, "server.log");
  return { host: HOST, port, user: "postgres", password, ca, certHost, logFile, startSeconds, stop };
}
