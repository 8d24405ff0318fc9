/**
 * Test helpers shared by the module tests: a stack with an AWS provider to
 * build constructs in, and the synthesized Terraform JSON as a plain object.
 */
import { App, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConfigError } from "./core";

/** Synthesized Terraform JSON of one stack. */
export interface SynthJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { value: unknown }>;
  readonly terraform?: Record<string, unknown>;
  readonly provider?: Record<string, unknown[]>;
  readonly [key: string]: unknown;
}

/** A fresh test app and stack with the aws provider (ap-northeast-1). */
export function testStack(region = "ap-northeast-1"): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region });
  return { app, stack };
}

/** Synthesize `stack` and parse the JSON. */
export function synthJson(stack: TerraformStack): SynthJson {
  return JSON.parse(Testing.synth(stack)) as SynthJson;
}

/** All resources of one type, keyed by their logical id. */
export function resourcesOf(json: SynthJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource?.[type] ?? {};
}

/** The only resource of `type`; fails the test when there are zero or several. */
export function onlyResource(json: SynthJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** The ConfigError `fn` throws; fails the test when it throws nothing or something else. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

/**
 * The expression `arnParts` writes for field `index` of the ARN `arnRef`
 * (e.g. `aws_kms_key.key_1A2B3C4D.arn`): `${element(local.<name>, index)}`,
 * where the local splits that ARN. Fails the test when no local splits it.
 */
export function arnPartOf(json: SynthJson, arnRef: string, index: number): string {
  const locals = (json.locals ?? {}) as Record<string, unknown>;
  const name = Object.keys(locals).find((k) => locals[k] === `\${split(":", ${arnRef})}`);
  if (name === undefined)
    throw new Error(`no local splits ${arnRef} (locals: ${Object.keys(locals).join(", ")})`);
  return `\${element(local.${name}, ${index})}`;
}
