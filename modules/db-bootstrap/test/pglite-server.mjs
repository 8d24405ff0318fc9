// Serves an in-memory PGlite database with pgvector over the PostgreSQL wire
// protocol on 127.0.0.1 (a free port chosen by the OS), for the handler tests.
// Prints one JSON line {"port": n} once listening; stops on SIGTERM/SIGINT or
// when its parent closes stdin.
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const db = await PGlite.create({ extensions: { vector } });
const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 4 });
await server.start();
const conn = server.getServerConn();
const port = Number(conn.slice(conn.lastIndexOf(":") + 1));
process.stdout.write(`${JSON.stringify({ port })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await server.stop();
    await db.close();
  } finally {
    process.exit(0);
  }
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
