/**
 * hashicorp/random cannot be installed on machines without registry access, so
 * the offline tooling swaps every `random_*` resource for a built-in
 * `terraform_data` stand-in in its scratch copy of a stack. The shipped synth
 * output keeps the real random resources; only the scratch copy is rewritten,
 * and every swap is reported to the user.
 *
 * A stand-in's values are unknown until apply (derived from `timestamp()`),
 * like the real random values, and `ignore_changes = [input]` keeps them stable
 * afterwards so a second plan shows no changes.
 */

/** Terraform JSON (a cdk.tf.json document). */
export type TfJson = Record<string, unknown> & {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  terraform?: Record<string, unknown> & { required_providers?: Record<string, unknown> };
  provider?: Record<string, unknown>;
};

/** One swapped resource. */
export interface StandIn {
  /** Original address, e.g. `random_password.secrets_db_password_ABC`. */
  readonly original: string;
  /** Address of the stand-in, e.g. `terraform_data.random_password_secrets_db_password_ABC`. */
  readonly replacement: string;
}

type Attrs = Record<string, string>;

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : fallback;
}

/** Stand-in attribute expressions per random resource type (values are HCL expressions). */
const BUILDERS: Record<string, (cfg: Record<string, unknown>) => Attrs> = {
  random_password: (cfg) => {
    const length = Math.min(num(cfg.length, 16), 64);
    const result = `\${substr(sha256(timestamp()), 0, ${length})}`;
    return { id: "none", result, bcrypt_hash: `\${bcrypt(substr(sha256(timestamp()), 0, ${length}))}` };
  },
  random_string: (cfg) => {
    const length = Math.min(num(cfg.length, 16), 64);
    return {
      id: `\${substr(sha256(timestamp()), 0, ${length})}`,
      result: `\${substr(sha256(timestamp()), 0, ${length})}`,
    };
  },
  random_bytes: (cfg) => {
    const length = Math.min(num(cfg.length, 32), 64);
    const hex = `substr(sha512(timestamp()), 0, ${length * 2})`;
    // base64sha512 is exactly 64 bytes base64-encoded; shorter lengths reuse a hex-derived string
    const b64 = length === 64 ? "base64sha512(timestamp())" : `base64encode(${hex})`;
    return { id: `\${${b64}}`, base64: `\${${b64}}`, hex: `\${${hex}}` };
  },
  random_id: (cfg) => {
    const n = Math.min(num(cfg.byte_length, 8), 32);
    const hex = `substr(sha256(timestamp()), 0, ${n * 2})`;
    return {
      id: `\${${hex}}`,
      hex: `\${${hex}}`,
      dec: `\${parseint(substr(sha256(timestamp()), 0, 12), 16)}`,
      b64_std: `\${base64encode(${hex})}`,
      b64_url: `\${replace(replace(trimsuffix(base64encode(${hex}), "="), "+", "-"), "/", "_")}`,
    };
  },
  random_uuid: () => ({ id: "${uuid()}", result: "${uuid()}" }),
};

/** Resource types this module can stand in for. */
export const SUPPORTED_RANDOM_TYPES = Object.keys(BUILDERS);

/**
 * Return a copy of `doc` with every `random_*` resource replaced by a
 * `terraform_data` stand-in and every reference rewritten, plus the random
 * provider removed. Throws for a random resource type without a stand-in.
 */
export function swapRandomResources(doc: TfJson): { doc: TfJson; standIns: StandIn[] } {
  const out = structuredClone(doc);
  const resources = out.resource ?? {};
  const standIns: StandIn[] = [];
  const data: Record<string, Record<string, unknown>> = { ...(resources.terraform_data ?? {}) };
  for (const type of Object.keys(resources)) {
    if (!type.startsWith("random_")) continue;
    const build = BUILDERS[type];
    if (!build) {
      throw new Error(
        `${type} has no offline stand-in (supported: ${SUPPORTED_RANDOM_TYPES.join(", ")}); add one in tools/offline-plan/standins.ts`,
      );
    }
    for (const [name, cfg] of Object.entries(resources[type])) {
      const replacementName = `${type}_${name}`;
      data[replacementName] = {
        input: build(cfg),
        lifecycle: { ignore_changes: ["input"] },
        ...(cfg.depends_on ? { depends_on: cfg.depends_on } : {}),
      };
      standIns.push({ original: `${type}.${name}`, replacement: `terraform_data.${replacementName}` });
    }
    delete resources[type];
  }
  if (standIns.length === 0) return { doc: out, standIns };
  resources.terraform_data = data;
  out.resource = resources;

  // drop the random provider: it cannot be installed here and nothing uses it now
  if (out.provider && "random" in out.provider) delete out.provider.random;
  if (out.terraform?.required_providers && "random" in out.terraform.required_providers) {
    delete out.terraform.required_providers.random;
  }

  // rewrite references: `random_x.name.attr` -> `terraform_data.random_x_name.output.attr`,
  // and bare `random_x.name` (depends_on) -> `terraform_data.random_x_name`
  const types = Array.from(new Set(standIns.map((s) => s.original.split(".")[0])));
  const typeAlt = types.map((t) => t.replace(/[^a-z_]/g, "")).join("|");
  const attrRef = new RegExp(`\\b(${typeAlt})\\.([A-Za-z0-9_-]+)\\.([A-Za-z0-9_]+)`, "g");
  const bareRef = new RegExp(`^(${typeAlt})\\.([A-Za-z0-9_-]+)$`);
  const rewrite = (value: unknown): unknown => {
    if (typeof value === "string") {
      if (bareRef.test(value)) return value.replace(bareRef, "terraform_data.$1_$2");
      return value.replace(attrRef, "terraform_data.$1_$2.output.$3");
    }
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    }
    return value;
  };
  return { doc: rewrite(out) as TfJson, standIns };
}
