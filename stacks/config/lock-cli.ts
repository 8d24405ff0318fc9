/**
 * `npm run lock -- <env> [<env> ...]`: record the deployed values of
 * environments in `<env>.lock.json` (see deployed.ts). Run it after an apply
 * that changed a replace-forcing value or the engine version, and commit the
 * file.
 */
import { resolve } from "node:path";
import { DEFAULT_ENVIRONMENTS_DIR, displayPath, loadEnvironments } from "./load";
import { writeDeployedRecord } from "./deployed";

if (require.main === module) {
  const names = process.argv.slice(2);
  const dir = resolve(process.env.ENVIRONMENTS_DIR ?? DEFAULT_ENVIRONMENTS_DIR);
  if (names.length === 0) {
    console.error("usage: npm run lock -- <environment> [<environment> ...]");
    process.exit(2);
  }
  // the record describes what was applied: compare nothing, validate everything else
  const loaded = loadEnvironments(dir, undefined, { compareDeployed: false });
  let failed = false;
  for (const name of names) {
    const env = loaded.environments.find((e) => e.config.name === name);
    if (!env) {
      console.error(`error: environment ${name} is not a valid file of ${displayPath(dir)}`);
      failed = true;
      continue;
    }
    console.log(`wrote ${displayPath(writeDeployedRecord(env.dir, env.config))}`);
  }
  for (const e of loaded.errors) console.error(`error: ${e}`);
  process.exit(failed ? 1 : 0);
}
