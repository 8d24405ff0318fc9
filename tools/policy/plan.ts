/**
 * A read-only view of a Terraform plan (`terraform show -json`, format 1.x)
 * built for the policy rules: every resource change with its planned values,
 * and, where a value is unknown at plan time, the value evaluated from the
 * plan's `configuration` section instead (see template.ts).
 */
import { z } from "zod";
import { Unknown, evaluateConstant, traversalText, type TraversalStep } from "./template";
import type { Note } from "./types";

/**
 * A value that is not set in the configuration and that the provider (or AWS)
 * computes: the plan cannot say what it will be, but it is not the user's choice
 * either, so rules read it as "left at the default".
 */
export class Computed extends Unknown {}

/** Raised for input that is not a Terraform plan in JSON format 1.x. */
export class PlanFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanFormatError";
  }
}

const changeSchema = z.looseObject({
  address: z.string(),
  module_address: z.string().optional(),
  mode: z.enum(["managed", "data"]),
  type: z.string(),
  name: z.string(),
  index: z.union([z.number(), z.string()]).optional(),
  action_reason: z.string().optional(),
  change: z.looseObject({
    actions: z.array(z.string()).min(1),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
    after_unknown: z.unknown().optional(),
    replace_paths: z.array(z.array(z.union([z.string(), z.number()]))).optional(),
  }),
});

const planSchema = z.looseObject({
  format_version: z.string().regex(/^1\./, "must be 1.x (terraform show -json of a plan)"),
  terraform_version: z.string().optional(),
  resource_changes: z.array(changeSchema).optional(),
  configuration: z.unknown().optional(),
  variables: z.record(z.string(), z.looseObject({ value: z.unknown().optional() })).optional(),
  errored: z.boolean().optional(),
});

type RawChange = z.infer<typeof changeSchema>;
type Json = Record<string, unknown>;

/** A configuration expression: `constant_value` and/or `references`. */
export interface ConfigExpression {
  /** For JSON-syntax configurations, the raw string template; otherwise the constant value. */
  readonly constant_value?: unknown;
  /** The references the expression makes (`aws_s3_bucket.state.id`, `aws_s3_bucket.state`). */
  readonly references?: readonly string[];
}

interface ConfigResource {
  readonly expressions: Json;
  readonly providerConfigKey?: string;
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isExpression(v: unknown): v is ConfigExpression {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k === "constant_value" || k === "references");
}

/** `module.a["x"].module.b[0]` -> `module.a.module.b` (configuration addresses carry no instance keys). */
function stripKeys(moduleAddress: string | undefined): string {
  return (moduleAddress ?? "").replace(/\[[^\]]*\]/g, "");
}

/** Mark every unknown leaf of `after` using `after_unknown`; `fromConfig` supplies the unknown values. */
function mergeUnknown(
  after: unknown,
  unknown: unknown,
  path: TraversalStep[],
  fromConfig: (p: TraversalStep[]) => unknown,
): unknown {
  if (unknown === true) return fromConfig(path);
  if (Array.isArray(after)) {
    const u = Array.isArray(unknown) ? unknown : [];
    const length = Math.max(after.length, u.length);
    return Array.from({ length }, (_, i): unknown => mergeUnknown(after[i], u[i], [...path, i], fromConfig));
  }
  if (isObject(after) || (isObject(unknown) && (after === undefined || after === null))) {
    const a = isObject(after) ? after : {};
    const u = isObject(unknown) ? unknown : {};
    if (!isObject(after) && !Object.values(u).includes(true)) return after;
    const keys = new Set([...Object.keys(a), ...Object.keys(u).filter((k) => u[k] === true)]);
    return Object.fromEntries(
      [...keys].map((k): [string, unknown] => [k, mergeUnknown(a[k], u[k], [...path, k], fromConfig)]),
    );
  }
  return after;
}

/** One resource instance in the plan. */
export class ResourceView {
  /** Full address, e.g. `module.x.aws_s3_bucket.state[0]`. */
  readonly address: string;
  /** Resource type, e.g. `aws_s3_bucket`. */
  readonly type: string;
  /** Resource name, e.g. `state`. */
  readonly name: string;
  /** `managed` or `data`. */
  readonly mode: "managed" | "data";
  /** `module.x` for resources in a module; `""` in the root module. */
  readonly moduleAddress: string;
  /** count/for_each key, when there is one. */
  readonly index: number | string | undefined;
  /** Planned actions: `["create"]`, `["update"]`, `["delete","create"]`, `["no-op"]`, ... */
  readonly actions: readonly string[];
  /** Why Terraform chose the action (`replace_because_cannot_update`, `delete_because_no_resource_config`, ...). */
  readonly actionReason: string | undefined;
  /** Attribute paths that force a replacement. */
  readonly replacePaths: readonly (readonly TraversalStep[])[];
  /** State before the change (null when created). */
  readonly before: unknown;
  private readonly rawAfter: unknown;
  private readonly afterUnknown: unknown;
  private merged: { value: unknown } | undefined;

  constructor(
    raw: RawChange,
    private readonly plan: PlanView,
  ) {
    this.address = raw.address;
    this.type = raw.type;
    this.name = raw.name;
    this.mode = raw.mode;
    this.moduleAddress = raw.module_address ?? "";
    this.index = raw.index;
    this.actions = raw.change.actions;
    this.actionReason = raw.action_reason;
    this.replacePaths = raw.change.replace_paths ?? [];
    this.before = raw.change.before ?? null;
    this.rawAfter = raw.change.after ?? null;
    this.afterUnknown = raw.change.after_unknown ?? {};
  }

  /** `module.a.module.b` without instance keys: the scope the configuration's references are relative to. */
  get configModule(): string {
    return stripKeys(this.moduleAddress);
  }

  /** Address in the configuration (no module instance keys, no own index): `aws_s3_bucket.state`. */
  get configAddress(): string {
    return `${this.mode === "data" ? "data." : ""}${this.type}.${this.name}`;
  }

  /** The resource is deleted and not recreated. */
  get isDelete(): boolean {
    return this.actions.length === 1 && this.actions[0] === "delete";
  }

  /** The resource is replaced (`delete` + `create` in either order). */
  get isReplace(): boolean {
    return this.actions.includes("delete") && this.actions.includes("create");
  }

  /** The resource exists after apply. */
  get exists(): boolean {
    return !this.isDelete && !this.actions.includes("forget");
  }

  /** The planned values, with every value unknown at plan time replaced by its configured value or an Unknown. */
  get after(): unknown {
    this.merged ??= { value: mergeUnknown(this.rawAfter, this.afterUnknown, [], (p) => this.fromConfig(p)) };
    return this.merged.value;
  }

  /**
   * The planned value at `path` (`["access_log_settings", 0, "destination_arn"]`):
   * a known value, `null`/`undefined` when unset, an {@link Unknown} when it
   * depends on something unknown, or a {@link Computed} when it is not in the
   * configuration and only the provider knows it.
   */
  get(...path: TraversalStep[]): unknown {
    let v: unknown = this.after;
    for (const step of path) {
      if (v instanceof Unknown) return v;
      if (Array.isArray(v) && typeof step === "number") v = v[step];
      else if (isObject(v)) v = v[String(step)];
      else return undefined;
    }
    return v;
  }

  /** The configuration expression at `path` (nested blocks are walked by index), if any. */
  expression(...path: TraversalStep[]): ConfigExpression | undefined {
    let node: unknown = this.plan.configOf(this)?.expressions;
    for (const step of path) {
      if (isExpression(node)) return undefined;
      if (Array.isArray(node) && typeof step === "number") node = node[step];
      else if (isObject(node)) node = node[String(step)];
      else return undefined;
    }
    return isExpression(node) ? node : undefined;
  }

  /** The configuration references of the expression at `path` (empty when none). */
  references(...path: TraversalStep[]): readonly string[] {
    return this.expression(...path)?.references ?? [];
  }

  /** True when the expression at `path` references `other` (in the same module). */
  refersTo(other: ResourceView, ...path: TraversalStep[]): boolean {
    if (other.configModule !== this.configModule) return false;
    const target = other.configAddress;
    return this.references(...path).some(
      (r) => r === target || r.startsWith(`${target}.`) || r.startsWith(`${target}[`),
    );
  }

  /** The resources of this module referenced by the expression at `path`. */
  referencedResources(...path: TraversalStep[]): ResourceView[] {
    return this.plan.all().filter((r) => r !== this && this.refersTo(r, ...path));
  }

  /** Value for an unknown path, from the configuration. */
  private fromConfig(path: TraversalStep[]): unknown {
    let node: unknown = this.plan.configOf(this)?.expressions;
    for (let i = 0; i < path.length; i++) {
      const step = path[i];
      if (isExpression(node)) {
        let value = this.plan.evaluate(node, this.configModule);
        for (const rest of path.slice(i)) {
          if (value instanceof Unknown) return value;
          value = Array.isArray(value)
            ? value[Number(rest)]
            : isObject(value)
              ? value[String(rest)]
              : undefined;
        }
        return value === undefined ? new Computed() : value;
      }
      if (Array.isArray(node) && typeof step === "number") node = node[step];
      else if (isObject(node)) node = node[String(step)];
      else return new Computed();
    }
    return node === undefined ? new Computed() : this.materialize(node);
  }

  /** Evaluate a configuration node: an expression, or nested blocks holding expressions. */
  private materialize(node: unknown): unknown {
    if (isExpression(node)) return this.plan.evaluate(node, this.configModule);
    if (Array.isArray(node)) return node.map((n) => this.materialize(n));
    if (isObject(node))
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, this.materialize(v)]));
    return new Computed();
  }

  /** Resolve `rest` (attribute path) against this resource, for references from other resources. */
  resolveAttribute(rest: readonly TraversalStep[]): unknown {
    return this.get(...rest);
  }
}

/** The plan, indexed for the rules. */
export class PlanView {
  /** `format_version` of the plan JSON. */
  readonly formatVersion: string;
  /** Terraform version that wrote the plan. */
  readonly terraformVersion: string | undefined;
  /** True when Terraform reported the plan as errored (incomplete). */
  readonly errored: boolean;
  /** Notes the rules left while checking (unverifiable values, allowed exceptions). */
  readonly notes: Note[] = [];
  private readonly changes: ResourceView[];
  private readonly config = new Map<string, ConfigResource>();
  private readonly providerConfig: Json;
  private readonly variables: Record<string, { value?: unknown }>;
  private depth = 0;

  private constructor(raw: z.infer<typeof planSchema>) {
    this.formatVersion = raw.format_version;
    this.terraformVersion = raw.terraform_version;
    this.errored = raw.errored === true;
    this.variables = raw.variables ?? {};
    const configuration = isObject(raw.configuration) ? raw.configuration : {};
    this.providerConfig = isObject(configuration.provider_config) ? configuration.provider_config : {};
    this.indexModule(configuration.root_module, "");
    this.changes = (raw.resource_changes ?? []).map((c) => new ResourceView(c, this));
  }

  /** Validate and index a parsed `terraform show -json` plan. */
  static parse(plan: unknown): PlanView {
    if (isObject(plan) && !("resource_changes" in plan) && "values" in plan && !("planned_values" in plan)) {
      throw new PlanFormatError("this is a state (terraform show -json of a state), not a plan");
    }
    const parsed = planSchema.safeParse(plan);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
      throw new PlanFormatError(`not a Terraform plan in JSON format 1.x: plan${at} ${issue.message}`);
    }
    return new PlanView(parsed.data);
  }

  private indexModule(module: unknown, prefix: string): void {
    if (!isObject(module)) return;
    for (const r of Array.isArray(module.resources) ? module.resources : []) {
      if (!isObject(r) || typeof r.address !== "string") continue;
      this.config.set(`${prefix}|${r.address}`, {
        expressions: isObject(r.expressions) ? r.expressions : {},
        providerConfigKey: typeof r.provider_config_key === "string" ? r.provider_config_key : undefined,
      });
    }
    const calls = isObject(module.module_calls) ? module.module_calls : {};
    for (const [name, call] of Object.entries(calls)) {
      if (isObject(call))
        this.indexModule(call.module, prefix ? `${prefix}.module.${name}` : `module.${name}`);
    }
  }

  /** Every resource change (managed and data, including deletions). */
  all(): readonly ResourceView[] {
    return this.changes;
  }

  /** Managed resources of the given types that exist after apply (deletions excluded). */
  resources(...types: string[]): ResourceView[] {
    return this.changes.filter(
      (r) => r.mode === "managed" && r.exists && (types.length === 0 || types.includes(r.type)),
    );
  }

  /** The configuration block of `r`, if the plan has one. */
  configOf(r: ResourceView): ConfigResource | undefined {
    return this.config.get(`${r.configModule}|${r.configAddress}`);
  }

  /** Record a note for the report. */
  note(rule: string, address: string, message: string, kind: Note["kind"] = "unverified"): void {
    this.notes.push({ rule, address, message, kind });
  }

  /** Evaluate a configuration expression in the scope of module `module`. */
  evaluate(expr: ConfigExpression, module: string): unknown {
    if (!("constant_value" in expr)) return new Unknown(expr.references ?? []);
    if (this.depth > 8) return new Unknown(expr.references ?? []);
    this.depth++;
    try {
      return evaluateConstant(expr.constant_value, (t) => this.resolve(t, module));
    } finally {
      this.depth--;
    }
  }

  /** Provider default tags that apply to `r` (evaluated), or undefined when none are configured. */
  defaultTags(r: ResourceView): unknown {
    const key = this.configOf(r)?.providerConfigKey ?? "aws";
    const candidates = [key, key.replace(/^.*:/, ""), key.split(".")[0], "aws"];
    for (const k of candidates) {
      const p = this.providerConfig[k];
      if (!isObject(p) || !isObject(p.expressions)) continue;
      const dt = p.expressions.default_tags;
      const block = Array.isArray(dt) ? dt[0] : undefined;
      if (isObject(block) && isExpression(block.tags)) return this.evaluate(block.tags, "");
      return undefined;
    }
    return undefined;
  }

  private resolve(t: readonly TraversalStep[], module: string): unknown {
    const text = traversalText(t);
    const [root, ...rest] = t;
    if (root === "var" && module === "" && typeof rest[0] === "string" && rest[0] in this.variables) {
      let v: unknown = this.variables[rest[0]].value;
      for (const s of rest.slice(1))
        v = Array.isArray(v) ? v[Number(s)] : isObject(v) ? v[String(s)] : undefined;
      return v === undefined ? new Unknown([text]) : v;
    }
    if (
      typeof root !== "string" ||
      ["var", "local", "module", "each", "count", "path", "terraform", "self"].includes(root)
    ) {
      return new Unknown([text]);
    }
    const isData = root === "data";
    const [type, name, ...attrs] = isData ? rest : t;
    if (typeof type !== "string" || typeof name !== "string") return new Unknown([text]);
    const mode = isData ? "data" : "managed";
    const instances = this.changes.filter(
      (r) => r.mode === mode && r.type === type && r.name === name && r.configModule === module,
    );
    let target: ResourceView | undefined;
    let path = attrs;
    if (instances.length === 1 && instances[0].index === undefined) target = instances[0];
    else if (instances.length > 0 && attrs.length > 0) {
      target = instances.find((r) => r.index === attrs[0]);
      path = attrs.slice(1);
    }
    if (!target) return new Unknown([text]);
    this.depth++;
    try {
      const v = this.depth > 8 ? new Unknown([text]) : target.resolveAttribute(path);
      // An attribute absent from both after and after_unknown is treated as unknown, never as null.
      if (v instanceof Unknown || v === undefined) return new Unknown([text]);
      return v;
    } finally {
      this.depth--;
    }
  }
}
