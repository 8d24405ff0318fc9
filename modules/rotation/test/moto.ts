/**
 * Test helper: moto's server (the repository's `.venv`, installed by the jest
 * global setup) on a free port of 127.0.0.1, in its own process group, always
 * stopped: by `stop()` and, should the test process end first, by an exit
 * handler. Lambda functions run no code (moto's `use_docker: false`), so a
 * rotation can be started the way Secrets Manager starts it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort } from "../../core/test/postgres";

/** A running moto server. */
export interface Moto {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Seconds until it answered. */
  readonly startSeconds: number;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    /* gone */
  }
}

/** Start moto; throws (after killing it) when it does not answer within 30 s. */
export async function startMoto(): Promise<Moto> {
  const venv = process.env.MOTO_VENV ?? resolve(__dirname, "..", "..", "..", ".venv");
  const bin = join(venv, "bin", "moto_server");
  if (!existsSync(bin))
    throw new Error(`${bin} not found: install moto into .venv (tools/emulator/install-moto.sh)`);
  const port = await freePort();
  const endpoint = `http://${HOST}:${port}`;
  const started = process.hrtime.bigint();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^AWS_|_proxy$/i.test(k)) env[k] = v;
  const child = spawn(bin, ["-H", HOST, "-p", String(port)], {
    detached: true,
    stdio: "ignore",
    env: { ...env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
  });
  const onExit = () => killGroup(child, "SIGKILL");
  process.on("exit", onExit);
  let exited = false;
  const exit = new Promise<void>((done) =>
    child.once("exit", () => {
      exited = true;
      done();
    }),
  );
  const stop = async () => {
    if (!exited) {
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
      await exit;
      clearTimeout(timer);
    }
    process.off("exit", onExit);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/moto-api/config`, {
        method: "POST",
        body: JSON.stringify({ lambda: { use_docker: false } }),
        signal: AbortSignal.timeout(2000),
      });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer on ${endpoint}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { endpoint, startSeconds: Number(process.hrtime.bigint() - started) / 1e9, stop };
}
