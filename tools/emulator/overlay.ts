/**
 * The emulator overlay: a scratch copy of a synthesized stack (built by the
 * offline plan's `prepareScratch`, so random resources are the same announced
 * `terraform_data` stand-ins) plus an override file that sends every AWS call
 * of the aws provider and of the S3 backend to the local emulator, and the
 * emulator workarounds (see {@link applyWorkarounds}).
 *
 * Nothing in the overlay ever names an address other than 127.0.0.1.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OVERRIDE_FILE, prepareScratch } from "../offline-plan/offline-plan";
import type { StandIn, TfJson } from "../offline-plan/standins";
import { FAKE_CREDENTIALS } from "./moto";
import { applyWorkarounds, type Workaround } from "./workarounds";
import type { EmulatorCredentials } from "./accounts";
import type { LocalInvocationContext } from "./migration";

/** Name of the override file written into every emulator scratch copy. */
export const EMULATOR_OVERRIDE_FILE = "emulator_override.tf.json";

/** aws provider endpoint keys pointed at the emulator (every service the stacks use, and a few neighbours). */
export const EMULATED_SERVICES = [
  "apigatewayv2",
  "cloudwatch",
  "ec2",
  "events",
  "iam",
  "kms",
  "lambda",
  "logs",
  "rds",
  "s3",
  "secretsmanager",
  "sns",
  "sqs",
  "ssm",
  "sts",
] as const;

/** An aws provider endpoint key the overlay sets. */
export type EmulatedService = (typeof EMULATED_SERVICES)[number];

/** Which endpoint each resource type talks to (first match wins). */
const TYPE_SERVICES: ReadonlyArray<readonly [RegExp, EmulatedService]> = [
  [/^aws_apigatewayv2_/, "apigatewayv2"],
  [/^aws_cloudwatch_log_/, "logs"],
  [/^aws_cloudwatch_event_/, "events"],
  [/^aws_cloudwatch_(metric_alarm|composite_alarm|dashboard)$/, "cloudwatch"],
  [
    /^aws_(vpc|vpc_.+|subnet|route|route_table|route_table_association|internet_gateway|egress_only_internet_gateway|nat_gateway|eip|security_group|security_group_rule|default_security_group|default_network_acl|default_route_table|network_acl|network_acl_rule|flow_log|ec2_.+)$/,
    "ec2",
  ],
  [/^aws_(db|rds)_/, "rds"],
  [/^aws_iam_/, "iam"],
  [/^aws_kms_/, "kms"],
  [/^aws_lambda_/, "lambda"],
  [/^aws_s3_/, "s3"],
  [/^aws_secretsmanager_/, "secretsmanager"],
  [/^aws_sns_/, "sns"],
  [/^aws_sqs_/, "sqs"],
  [/^aws_ssm_/, "ssm"],
];

/** The emulator endpoint key of a resource type, or undefined when the overlay does not know it. */
export function serviceOf(resourceType: string): EmulatedService | undefined {
  return TYPE_SERVICES.find(([re]) => re.test(resourceType))?.[1];
}

/**
 * Refuse a stack that uses an aws resource type the overlay cannot route to
 * the emulator (or any data source): its calls would have no emulator endpoint.
 */
export function assertEmulatable(doc: TfJson): void {
  const unknown = Object.keys(doc.resource ?? {}).filter((t) => t.startsWith("aws_") && !serviceOf(t));
  const data = Object.keys((doc as { data?: Record<string, unknown> }).data ?? {}).filter((t) =>
    t.startsWith("aws_"),
  );
  if (unknown.length || data.length) {
    throw new Error(
      `the emulator overlay has no endpoint for ${[...unknown, ...data.map((d) => `data.${d}`)].join(", ")}: ` +
        "add the service to EMULATED_SERVICES and TYPE_SERVICES in tools/emulator/overlay.ts",
    );
  }
}

/** Where a scratch copy keeps its state. */
export type EmulatorBackend =
  | { readonly type: "local" }
  | { readonly type: "s3"; readonly bucket: string; readonly key: string; readonly region: string };

/** Options of {@link emulatorOverride}. */
export interface EmulatorOverrideOptions {
  /** Emulator endpoint, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly backend: EmulatorBackend;
  /** Keys of the provider (they select the emulator account). @default the placeholder keys (default account) */
  readonly credentials?: EmulatorCredentials;
  /** Run the migration invocation's package locally (README workaround 5); without it the stand-in only records. */
  readonly localInvocation?: LocalInvocationContext;
}

const SKIP_FLAGS = {
  // the emulator does not throttle: fail fast instead of retrying for minutes when it is gone
  max_retries: 3,
  skip_credentials_validation: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
};

/**
 * The override file: fake keys, skip flags and every service endpoint at the
 * emulator for the aws provider; the backend either a local file or the S3
 * backend in the emulator's S3 with its lock file.
 */
export function emulatorOverride(opts: EmulatorOverrideOptions): Record<string, unknown> {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(opts.endpoint)) {
    throw new Error(`emulator endpoint ${opts.endpoint} must be http://127.0.0.1:<port>`);
  }
  const endpoints = Object.fromEntries(EMULATED_SERVICES.map((s) => [s, opts.endpoint]));
  const backend =
    opts.backend.type === "local"
      ? { local: { path: "terraform.tfstate" } }
      : {
          s3: {
            bucket: opts.backend.bucket,
            key: opts.backend.key,
            region: opts.backend.region,
            encrypt: true,
            use_lockfile: true,
            use_path_style: true,
            endpoints: { s3: opts.endpoint, sts: opts.endpoint, iam: opts.endpoint },
            access_key: FAKE_CREDENTIALS.accessKeyId,
            secret_key: FAKE_CREDENTIALS.secretAccessKey,
            ...SKIP_FLAGS,
            skip_requesting_account_id: true,
          },
        };
  return {
    terraform: { backend },
    provider: {
      aws: [
        {
          access_key: (opts.credentials ?? FAKE_CREDENTIALS).accessKeyId,
          secret_key: (opts.credentials ?? FAKE_CREDENTIALS).secretAccessKey,
          ...SKIP_FLAGS,
          // the account id comes from the emulator's STS (GetCallerIdentity), as it would from AWS
          skip_requesting_account_id: false,
          s3_use_path_style: true,
          endpoints: [endpoints],
        },
      ],
    },
  };
}

/** What {@link prepareEmulatorScratch} made. */
export interface EmulatorScratch {
  /** Random resources swapped for terraform_data stand-ins (hashicorp/random is not installable here). */
  readonly standIns: readonly StandIn[];
  /** Emulator workarounds applied to this copy. */
  readonly workarounds: readonly Workaround[];
  /** The scratch copy's configuration after every change (for reporting and checks). */
  readonly doc: TfJson;
}

/**
 * Build the emulator scratch copy of a stack in `workDir`: the offline plan's
 * scratch copy (random stand-ins, assets), its override replaced by the
 * emulator override, and the emulator workarounds applied.
 */
export function prepareEmulatorScratch(
  stackDir: string,
  workDir: string,
  opts: EmulatorOverrideOptions,
): EmulatorScratch {
  const standIns = prepareScratch(stackDir, workDir);
  rmSync(join(workDir, OVERRIDE_FILE), { force: true });
  const file = join(workDir, "cdk.tf.json");
  const swapped = JSON.parse(readFileSync(file, "utf8")) as TfJson;
  assertEmulatable(swapped);
  const { doc, workarounds, overrides } = applyWorkarounds(swapped, {
    localInvocation: opts.localInvocation,
  });
  writeFileSync(file, JSON.stringify(doc, null, 2));
  const override = emulatorOverride(opts);
  if (Object.keys(overrides).length) override.resource = overrides;
  writeFileSync(join(workDir, EMULATOR_OVERRIDE_FILE), JSON.stringify(override, null, 2));
  return { standIns, workarounds, doc };
}
