/**
 * Running the terraform binary for the offline tooling: locating the binary and
 * the provider mirror, and a CLI configuration file owned by this project.
 *
 * The CLI configuration pins provider installation to a filesystem mirror. It
 * is only ever used by the offline tooling (through TF_CLI_CONFIG_FILE in the
 * child process's environment); a user running `cdktf plan` with internet
 * access keeps their own Terraform configuration.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

/** Places a provider filesystem mirror is commonly found, checked in order. */
const MIRROR_CANDIDATES = [
  "/opt/tf-plugins",
  join(homedir(), ".terraform.d", "plugins"),
  join(homedir(), ".local", "share", "terraform", "plugins"),
  "/usr/local/share/terraform/plugins",
  "/usr/share/terraform/plugins",
];

/** Path of the terraform binary, or undefined when none is on PATH (or TERRAFORM_BIN). */
export function findTerraform(): string | undefined {
  const explicit = process.env.TERRAFORM_BIN;
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "terraform");
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The installed terraform version, e.g. `1.11.4`. */
export function terraformVersion(bin: string): string {
  const r = spawnSync(bin, ["version", "-json"], { encoding: "utf8", env: terraformEnv() });
  try {
    return (JSON.parse(r.stdout) as { terraform_version: string }).terraform_version;
  } catch {
    return "unknown";
  }
}

/**
 * The provider mirror directory: `TF_PROVIDER_MIRROR` when set, otherwise the
 * first candidate holding `registry.terraform.io/hashicorp/aws`.
 */
export function findProviderMirror(): string | undefined {
  const explicit = process.env.TF_PROVIDER_MIRROR;
  if (explicit) return explicit;
  return MIRROR_CANDIDATES.find((dir) => existsSync(join(dir, "registry.terraform.io", "hashicorp", "aws")));
}

/** Write a CLI config that installs providers from `mirror` only; returns its path. */
export function writeCliConfig(dir: string, mirror: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "offline.tfrc");
  writeFileSync(
    path,
    [
      "# Written by tools/offline-plan: install providers from the local mirror only.",
      "provider_installation {",
      "  filesystem_mirror {",
      `    path    = ${JSON.stringify(mirror)}`,
      '    include = ["registry.terraform.io/*/*"]',
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  return path;
}

/** Environment for a terraform child process: no telemetry, no prompts. */
export function terraformEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    ...extra,
  };
}

/** Result of one terraform command. */
export interface TerraformRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Starts a child process; `spawn` by default, or e.g. one that tracks the child's process group. */
export type Spawner = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** Run terraform asynchronously and collect its output. */
export function runTerraform(
  bin: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  spawner: Spawner = spawn,
): Promise<TerraformRun> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawner(bin, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (d: Buffer) => out.push(d));
    child.stderr!.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      }),
    );
  });
}
