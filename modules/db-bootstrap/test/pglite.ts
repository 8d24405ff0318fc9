/**
 * Test helper: runs test/pglite-server.mjs (PGlite with pgvector behind
 * pglite-socket) as a child process, so the handler's `pg` client talks to a
 * real PostgreSQL wire protocol on 127.0.0.1 and jest never loads the ESM/WASM
 * packages itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Client } from "pg";
import type { DbCredentials } from "../handler/migrate";

/** A running server. */
export interface PgliteServer {
  /** Port on 127.0.0.1. */
  readonly port: number;
  /** Stop the server and wait for the process to exit. */
  stop(): Promise<void>;
}

const SCRIPT = join(__dirname, "pglite-server.mjs");

/** Start a server; rejects (and kills the process) when it is not listening within `timeoutMs`. */
export function startPgliteServer(timeoutMs = 60_000): Promise<PgliteServer> {
  const child = spawn(process.execPath, [SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));

  return new Promise<PgliteServer>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`PGlite server did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`PGlite server exited with ${code} before listening: ${stderr}`));
    };
    child.once("exit", onExit);
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split("\n")[0];
      if (!stdout.includes("\n")) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.stdout?.removeAllListeners("data");
      try {
        const { port } = JSON.parse(line) as { port: number };
        resolve({ port, stop: () => stopChild(child) });
      } catch (err) {
        child.kill("SIGKILL");
        reject(err);
      }
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * Connection details of the server's `postgres` user. PGlite accepts any
 * password; a fresh random one per run lets tests look for it in messages.
 */
export function pgliteCredentials(server: PgliteServer): DbCredentials {
  return {
    host: "127.0.0.1",
    port: server.port,
    database: "postgres",
    username: "postgres",
    password: randomBytes(24).toString("base64url"),
  };
}

/** Run `fn` with a plain `pg` client of the server's `postgres` database, closed afterwards. */
export async function withPgliteClient<T>(server: PgliteServer, fn: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres" });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}
