import { swapRandomResources, SUPPORTED_RANDOM_TYPES, type TfJson } from "./standins";
import { changeKind, formatSummary, summarizePlan } from "./summary";
import { offlineOverride, prepareScratch } from "./offline-plan";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function doc(): TfJson {
  return {
    terraform: {
      required_providers: {
        aws: { source: "aws", version: "5.100.0" },
        random: { source: "hashicorp/random" },
      },
      backend: { s3: { bucket: "b", key: "k", region: "ap-northeast-1", use_lockfile: true } },
    },
    provider: { aws: [{ region: "ap-northeast-1" }], random: [{}] },
    resource: {
      random_password: { db_pw: { length: 32, special: false } },
      random_bytes: { app_key: { length: 64 } },
      aws_secretsmanager_secret_version: {
        v: {
          secret_string:
            '${jsonencode({"password" = random_password.db_pw.result, "key" = random_bytes.app_key.base64})}',
          depends_on: ["random_password.db_pw", "aws_secretsmanager_secret.s"],
        },
      },
      aws_rds_cluster: { c: { master_password: "${random_password.db_pw.result}" } },
    },
  };
}

describe("random stand-ins", () => {
  it("swaps every random resource for a terraform_data stand-in and reports it", () => {
    const { doc: out, standIns } = swapRandomResources(doc());
    expect(standIns.map((s) => s.original).sort()).toEqual(["random_bytes.app_key", "random_password.db_pw"]);
    expect(Object.keys(out.resource!).filter((t) => t.startsWith("random_"))).toEqual([]);
    const td = out.resource!.terraform_data;
    expect(Object.keys(td).sort()).toEqual(["random_bytes_app_key", "random_password_db_pw"]);
    expect(td.random_password_db_pw.lifecycle).toEqual({ ignore_changes: ["input"] });
    expect((td.random_password_db_pw.input as Record<string, string>).result).toBe(
      "${substr(sha256(timestamp()), 0, 32)}",
    );
    expect((td.random_bytes_app_key.input as Record<string, string>).base64).toBe(
      "${base64sha512(timestamp())}",
    );
  });

  it("rewrites attribute and dependency references", () => {
    const { doc: out } = swapRandomResources(doc());
    const v = out.resource!.aws_secretsmanager_secret_version.v;
    expect(v.secret_string).toBe(
      '${jsonencode({"password" = terraform_data.random_password_db_pw.output.result, "key" = terraform_data.random_bytes_app_key.output.base64})}',
    );
    expect(v.depends_on).toEqual(["terraform_data.random_password_db_pw", "aws_secretsmanager_secret.s"]);
    expect(out.resource!.aws_rds_cluster.c.master_password).toBe(
      "${terraform_data.random_password_db_pw.output.result}",
    );
    expect(JSON.stringify(out)).not.toMatch(/\brandom_password\.|\brandom_bytes\./);
  });

  it("removes the random provider but keeps aws", () => {
    const { doc: out } = swapRandomResources(doc());
    expect(Object.keys(out.provider!)).toEqual(["aws"]);
    expect(Object.keys(out.terraform!.required_providers!)).toEqual(["aws"]);
  });

  it("leaves a document without random resources untouched", () => {
    const input: TfJson = {
      resource: { aws_vpc: { v: { cidr_block: "10.0.0.0/24" } } },
      provider: { aws: [{}] },
    };
    const { doc: out, standIns } = swapRandomResources(input);
    expect(standIns).toEqual([]);
    expect(out).toEqual(input);
  });

  it("refuses a random type it cannot stand in for", () => {
    expect(() => swapRandomResources({ resource: { random_pet: { p: {} } } })).toThrow(
      /random_pet has no offline stand-in \(supported: .*random_password/,
    );
    expect(SUPPORTED_RANDOM_TYPES).toEqual(
      expect.arrayContaining(["random_password", "random_bytes", "random_id"]),
    );
  });
});

describe("scratch copy", () => {
  it("drops the real backend, writes the override and copies assets", () => {
    const root = mkdtempSync(join(tmpdir(), "scratch-"));
    const stackDir = join(root, "stack");
    mkdirSync(join(stackDir, "assets", "fn"), { recursive: true });
    writeFileSync(join(stackDir, "assets", "fn", "archive.zip"), "zip");
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(doc()));
    const work = join(root, "work");
    const standIns = prepareScratch(stackDir, work);
    expect(standIns).toHaveLength(2);
    const written = JSON.parse(readFileSync(join(work, "cdk.tf.json"), "utf8")) as TfJson;
    expect(written.terraform!.backend).toBeUndefined();
    const override = JSON.parse(readFileSync(join(work, "offline_override.tf.json"), "utf8"));
    expect(override).toEqual(offlineOverride());
    expect(override.terraform.backend).toEqual({ local: { path: "terraform.tfstate" } });
    expect(override.provider.aws[0]).toMatchObject({
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      skip_region_validation: true,
    });
    expect(existsSync(join(work, "assets", "fn", "archive.zip"))).toBe(true);
  });
});

describe("plan summary", () => {
  it("classifies actions", () => {
    expect(changeKind(["create"])).toBe("create");
    expect(changeKind(["delete", "create"])).toBe("replace");
    expect(changeKind(["create", "delete"])).toBe("replace");
    expect(changeKind(["update"])).toBe("update");
    expect(changeKind(["delete"])).toBe("delete");
    expect(changeKind(["no-op"])).toBeUndefined();
    expect(changeKind(["read"])).toBeUndefined();
  });

  it("counts by type and ignores data sources and no-ops", () => {
    const s = summarizePlan({
      resource_changes: [
        { type: "aws_vpc", change: { actions: ["create"] } },
        { type: "aws_subnet", change: { actions: ["create"] } },
        { type: "aws_subnet", change: { actions: ["delete", "create"] } },
        { type: "aws_rds_cluster", change: { actions: ["update"] } },
        { type: "aws_s3_bucket", change: { actions: ["no-op"] } },
        { type: "aws_region", mode: "data", change: { actions: ["read"] } },
      ],
    });
    expect(s.totals).toEqual({ create: 2, update: 1, replace: 1, delete: 0 });
    expect(s.byType.aws_subnet).toEqual({ create: 1, update: 0, replace: 1, delete: 0 });
    expect(s.byType.aws_s3_bucket).toBeUndefined();
    const text = formatSummary("dev", s);
    expect(text).toContain("dev: 2 to create, 1 to update, 1 to replace, 0 to delete");
    expect(text).toMatch(/aws_subnet\s+1\s+0\s+1\s+0/);
  });
});
