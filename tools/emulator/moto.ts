/**
 * The local AWS emulator: moto's server from the repository's virtualenv
 * (installed by `tools/emulator/install-moto.sh`), started on a free port of
 * 127.0.0.1 in its own process group and always stopped again: by
 * `stop()`, and by exit and signal handlers should the caller never get there.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { killGroup, spawnTracked } from "./processes";

/** The moto version `install-moto.sh` pins. */
export const MOTO_VERSION = "5.2.5";

/** The only host the emulator listens on and the tooling ever talks to. */
export const EMULATOR_HOST = "127.0.0.1";

/** Repository root (this file lives in tools/emulator). */
export const REPO_ROOT = resolve(__dirname, "..", "..");

/** Path of `moto_server` in `MOTO_VENV` (default `<repo>/.venv`), or undefined when it is not installed. */
export function findMotoServer(): string | undefined {
  const venv = process.env.MOTO_VENV ?? join(REPO_ROOT, ".venv");
  const bin = join(venv, "bin", "moto_server");
  return existsSync(bin) ? bin : undefined;
}

/** The moto version installed next to `bin`, read from the package metadata (no Python start-up). */
export function motoVersion(bin: string): string | undefined {
  const lib = join(dirname(bin), "..", "lib");
  if (!existsSync(lib)) return undefined;
  for (const py of readdirSync(lib)) {
    const site = join(lib, py, "site-packages");
    if (!existsSync(site)) continue;
    const dist = readdirSync(site).find((d) => /^moto-[\d.]+\.dist-info$/.test(d));
    if (dist) return dist.slice("moto-".length, -".dist-info".length);
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (asks the kernel for one, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, EMULATOR_HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error("no free port"))));
    });
  });
}

/** A running emulator. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`: the endpoint of every emulated service. */
  readonly endpoint: string;
  readonly port: number;
  /** Process id (also the process group id). */
  readonly pid: number;
  /** File the server's output goes to. */
  readonly logFile: string;
  /** Seconds from spawn until the server answered. */
  readonly startSeconds: number;
  /** Stop the server's whole process group (SIGTERM, then SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startMoto}. */
export interface StartMotoOptions {
  /** The `moto_server` executable. @default {@link findMotoServer} */
  readonly bin?: string;
  /** Port to listen on. @default a free port */
  readonly port?: number;
  /** Folder for the server log (`moto.log`). */
  readonly logDir: string;
  /** How long to wait for the server to answer. @default 30000 */
  readonly timeoutMs?: number;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** How the emulator differs from a plain `moto_server`: printed by every scenario run (README, items 2 and 3). */
export const EMULATOR_NOTES: readonly string[] = [
  "emulator: moto is started through tools/emulator/moto_server.py: in S3 bucket-policy evaluation a statement " +
    "whose Condition key the request does not carry does not apply (as in AWS; moto 5.2.5 denied every state " +
    "access under the state bucket's aws:SecureTransport/s3:TlsVersion Deny statements)",
  "emulator: MOTO_IAM_LOAD_MANAGED_POLICIES=true: AWS managed policies exist, as in every AWS account",
  "emulator: moto 5.2.5 runs a rotation function only in Docker, which is not available here: RotateSecret " +
    "(rotate_immediately = false) stores the rotation configuration, and its call of the function's testSecret " +
    "step fails inside moto (logged as 'error running docker' in moto.log) without failing the request; the " +
    "rotation function and the configuration are applied and checked, no rotation step runs",
];

/** The launcher: moto's server with the bucket-policy correction described in moto_server.py. */
export const MOTO_LAUNCHER = join(__dirname, "moto_server.py");

/**
 * Start moto's server (`moto_server.py -H 127.0.0.1 -p <port>` with the
 * virtualenv's python) in a new process group and wait until it answers.
 * Throws (after stopping it) when it does not come up.
 */
export async function startMoto(opts: StartMotoOptions): Promise<MotoServer> {
  const bin = opts.bin ?? findMotoServer();
  if (!bin) throw new Error("moto_server not found: run `bash tools/emulator/install-moto.sh`");
  const port = opts.port ?? (await freePort());
  const endpoint = `http://${EMULATOR_HOST}:${port}`;
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = join(opts.logDir, "moto.log");
  const fd = openSync(logFile, "w");
  const started = process.hrtime.bigint();
  const python = join(dirname(bin), "python");
  const child = spawnTracked(python, [MOTO_LAUNCHER, "-H", EMULATOR_HOST, "-p", String(port)], {
    stdio: ["ignore", fd, fd],
    // AWS managed policies (e.g. AmazonRDSEnhancedMonitoringRole) exist in every account; moto loads them on request
    env: emulatorProcessEnv({ MOTO_IAM_LOAD_MANAGED_POLICIES: "true" }),
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${python} ${MOTO_LAUNCHER}`);
  const pid = child.pid;
  let exited = false;
  const exitedPromise = new Promise<void>((done) =>
    child.once("exit", () => {
      exited = true;
      done();
    }),
  );

  const stop = async (): Promise<void> => {
    if (exited) return;
    killGroup(pid, "SIGTERM");
    const timer = setTimeout(() => killGroup(pid, "SIGKILL"), 5000);
    await exitedPromise;
    clearTimeout(timer);
    killGroup(pid, "SIGKILL"); // stragglers in the group, if any
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (!(await answers(endpoint))) {
    if (exited || Date.now() > deadline) {
      await stop();
      const log = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-2000) : "";
      throw new Error(
        `moto_server did not answer on ${endpoint} (${exited ? "it exited" : "timed out"}):\n${log}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const startSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { endpoint, port, pid, logFile, startSeconds, stop };
}

/** Names of environment variables that could point a child process at a real AWS account. */
const AWS_CREDENTIAL_VARS = /^(AWS_|TF_VAR_aws)/;

/** Placeholder credentials for the emulator: not credentials of anything. */
export const FAKE_CREDENTIALS = {
  accessKeyId: "emulator-access-key",
  secretAccessKey: "emulator-secret-key",
};

/**
 * Environment for moto and terraform: no real AWS settings (profiles, keys,
 * endpoints) are inherited, only fake keys; and every HTTP(S) request that is
 * not for 127.0.0.1/localhost goes to a proxy address where nothing listens,
 * so a service without an emulator endpoint fails instead of reaching AWS.
 */
export function emulatorProcessEnv(
  extra: Record<string, string> = {},
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!AWS_CREDENTIAL_VARS.test(k)) env[k] = v;
  for (const k of Object.keys(env)) if (/^(https?|no|all)_proxy$/i.test(k)) delete env[k];
  return {
    ...env,
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    HTTP_PROXY: BLACKHOLE_PROXY,
    HTTPS_PROXY: BLACKHOLE_PROXY,
    NO_PROXY: "127.0.0.1,localhost",
    ...extra,
  };
}

/** A proxy address on 127.0.0.1 where nothing listens (port 9, discard): requests through it fail at once. */
export const BLACKHOLE_PROXY = `http://${EMULATOR_HOST}:9`;
