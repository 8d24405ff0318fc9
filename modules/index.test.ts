/**
 * The package entry (modules/index.ts) exports every module's public API:
 * each folder's index is re-exported whole, so a construct added to a module
 * reaches consumers of the package.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as entry from "./index";

const folders = readdirSync(__dirname).filter(
  (name) => statSync(join(__dirname, name)).isDirectory() && name !== "dist" && name !== "node_modules",
);

describe("package entry", () => {
  it.each(folders)("re-exports everything modules/%s exports", (folder) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(__dirname, folder)) as Record<string, unknown>;
    const names = Object.keys(mod);
    expect(names.length).toBeGreaterThan(0);
    const missing = names.filter((n) => (entry as Record<string, unknown>)[n] !== mod[n]);
    expect(missing).toEqual([]);
  });

  it("exports the constructs teams build stacks from", () => {
    for (const name of [
      "Network",
      "SecurityGroups",
      "InterfaceEndpoints",
      "DatabaseSecret",
      "AuroraPostgresServerless",
      "VpcFunction",
      "HttpApi",
      "DbBootstrap",
      "SecretRotation",
      "Observability",
      "StateBucket",
      "configureBackend",
    ]) {
      expect(typeof (entry as Record<string, unknown>)[name]).toBe("function");
    }
  });
});
