/**
 * The deployed record (`<env>.lock.json`): replace-forcing changes need an
 * acknowledgement, major upgrades need allowMajorVersionUpgrade, and synth
 * says what it will do.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ENVIRONMENTS_DIR, loadEnvironments } from "./load";
import { deployedRecordOf } from "./deployed";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const read = (file: string): Json =>
  JSON.parse(readFileSync(join(DEFAULT_ENVIRONMENTS_DIR, file), "utf8")) as Json;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A folder with `<name>.json` changed by `edit`, and the shipped record of `<name>` unless told otherwise. */
function load(
  name: "dev" | "prod",
  edit: (doc: Json) => void,
  record: Json | "shipped" | "none" = "shipped",
) {
  const dir = mkdtempSync(join(tmpdir(), "deployed-"));
  dirs.push(dir);
  const doc = read(`${name}.json`);
  edit(doc);
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(doc));
  copyFileSync(
    join(DEFAULT_ENVIRONMENTS_DIR, "environment.schema.json"),
    join(dir, "environment.schema.json"),
  );
  if (record === "shipped")
    copyFileSync(join(DEFAULT_ENVIRONMENTS_DIR, `${name}.lock.json`), join(dir, `${name}.lock.json`));
  else if (record !== "none") writeFileSync(join(dir, `${name}.lock.json`), JSON.stringify(record));
  return loadEnvironments(dir);
}

describe("deployed record: replace-forcing changes", () => {
  it("the shipped records match the shipped environment files", () => {
    const loaded = loadEnvironments();
    expect(loaded.errors).toEqual([]);
    for (const env of loaded.environments) {
      const record = read(`${env.config.name}.lock.json`);
      delete record.$comment;
      expect(record).toEqual(deployedRecordOf(env.config));
    }
    expect(loaded.notices).toEqual([]);
  });

  it("refuses turning on the customer key for a deployed database, naming file, field, old and new value", () => {
    const r = load("dev", (d) => (d.secrets.customerManagedKey = true));
    expect(r.environments).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /dev\.json: secrets\.customerManagedKey true changes the cluster's kms_key_id \(storage encryption key\) from "aws\/rds" \(.*dev\.lock\.json\) to "customer-managed": Terraform would replace the cluster .*set database\.acknowledgeReplacement true/,
    );
  });

  it.each([
    [
      "database.databaseName",
      (d: Json) => (d.database.databaseName = "chatbot"),
      /database_name from "hr_chatbot"/,
    ],
    [
      "database.masterUsername",
      (d: Json) => (d.database.masterUsername = "admin_user"),
      /master_username from "postgres"/,
    ],
    [
      // the name prefix of dev follows its project
      "namePrefix",
      (d: Json) => (d.project = "hr-bot"),
      /cluster_identifier .* from "hr-chatbot-cluster" .* to "hr-bot-cluster"/,
    ],
    [
      "namePrefix",
      (d: Json) => (d.namePrefix = "hr-chatbot-blue"),
      /cluster_identifier .* from "hr-chatbot-cluster" .* to "hr-chatbot-blue-cluster"/,
    ],
  ])("refuses a changed %s", (field, edit, rule) => {
    const r = load("dev", edit);
    expect(r.errors.join("\n")).toContain(`dev.json: ${field} `);
    expect(r.errors.join("\n")).toMatch(rule);
  });

  it("accepts it when acknowledged, and says so", () => {
    const r = load("dev", (d) => {
      d.secrets.customerManagedKey = true;
      d.database.acknowledgeReplacement = true;
    });
    expect(r.errors).toEqual([]);
    expect(r.notices).toHaveLength(1);
    expect(r.notices[0]).toMatch(
      /replaces the cluster and its instances \(acknowledged.*npm run lock -- dev/,
    );
  });

  it("in production the notice says the plan needs ALLOW_PRODUCTION_DESTROY", () => {
    const r = load("prod", (d) => {
      d.database.databaseName = "hr_chatbot_v2";
      d.database.acknowledgeReplacement = true;
    });
    expect(r.errors).toEqual([]);
    expect(r.notices[0]).toMatch(/ALLOW_PRODUCTION_DESTROY=prod/);
  });

  it("refuses an acknowledgement with nothing to acknowledge", () => {
    const r = load("dev", (d) => (d.database.acknowledgeReplacement = true));
    expect(r.errors[0]).toMatch(/database\.acknowledgeReplacement true has nothing to acknowledge/);
    const first = load("dev", (d) => (d.database.acknowledgeReplacement = true), "none");
    expect(first.errors[0]).toMatch(/there is no .*dev\.lock\.json/);
  });

  it("compares nothing for an environment never deployed (no record)", () => {
    const r = load("dev", (d) => (d.secrets.customerManagedKey = true), "none");
    expect(r.errors).toEqual([]);
  });

  it("names a broken record", () => {
    const r = load("dev", () => undefined, { database: { clusterIdentifier: "hr-chatbot-cluster" } });
    expect(r.errors[0]).toMatch(/dev\.lock\.json: database\.databaseName is missing/);
  });
});

describe("deployed record: engine versions", () => {
  const recordAt = (engineVersion: string): Json => {
    const r = read("dev.lock.json");
    return { database: { ...r.database, engineVersion } };
  };

  it("refuses a major upgrade without allowMajorVersionUpgrade", () => {
    const r = load("dev", () => undefined, recordAt("16.9"));
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /dev\.json: database\.engineVersion "17\.6" is a major version upgrade from 16\.9 .*set database\.allowMajorVersionUpgrade true/,
    );
  });

  it("accepts it with allowMajorVersionUpgrade and says what it does", () => {
    const r = load("dev", (d) => (d.database.allowMajorVersionUpgrade = true), recordAt("16.9"));
    expect(r.errors).toEqual([]);
    expect(r.notices).toEqual([
      expect.stringMatching(
        /^dev: major version upgrade of the cluster 16\.9 -> 17\.6: allow_major_version_upgrade is set and the cluster parameter group hr-chatbot-aurora-postgresql17 \(family aurora-postgresql17\) is created before/,
      ),
    ]);
  });

  it("refuses a downgrade, and warns of an upgrade flag with no upgrade", () => {
    expect(load("dev", () => undefined, recordAt("17.7")).errors[0]).toMatch(
      /is older than the deployed 17\.7/,
    );
    const flag = load("dev", (d) => (d.database.allowMajorVersionUpgrade = true));
    expect(flag.errors).toEqual([]);
    expect(flag.warnings.join("\n")).toMatch(/allowMajorVersionUpgrade true has no effect/);
  });

  it("takes a minor upgrade without a flag", () => {
    const r = load("dev", () => undefined, recordAt("17.4"));
    expect(r.errors).toEqual([]);
    expect(r.notices).toEqual([]);
  });
});
