/**
 * Tagging rule.
 */
import { Unknown } from "../template";
import type { Finding, Rule } from "../types";
import { finding, isPending } from "./util";

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Unknown);
}

/** Tag keys with a non-empty (or not yet known) value. */
function presentKeys(tags: Record<string, unknown>): string[] {
  return Object.entries(tags)
    .filter(([, v]) => v instanceof Unknown || (typeof v === "string" && v !== ""))
    .map(([k]) => k);
}

/** HRC-TAG-001: required tags on every taggable resource. */
export const requiredTags: Rule = {
  id: "HRC-TAG-001",
  severity: "medium",
  title: "Taggable resources carry the environment's required tags",
  rationale:
    "Tags are how cost, ownership and environment are told apart in a shared account. Every " +
    "resource that supports tags (has tags_all) must carry the required keys, after the provider's " +
    "default_tags are merged in. When tags_all is unknown at plan time, the resource's own tags " +
    "merged over the provider default tags from the configuration are used.",
  check(plan, ctx) {
    if (ctx.requiredTags.length === 0) return [];
    const out: Finding[] = [];
    for (const r of plan.resources()) {
      const after = r.after;
      if (!isRecord(after) || !("tags_all" in after)) continue;
      let keys: string[];
      const all = after.tags_all;
      if (isRecord(all)) keys = presentKeys(all);
      else {
        const own = after.tags;
        const defaults = plan.defaultTags(r);
        if (isPending(own) || isPending(defaults)) {
          plan.note(this.id, r.address, "tags are only known after apply; not checked");
          continue;
        }
        keys = [...presentKeys(isRecord(defaults) ? defaults : {}), ...presentKeys(isRecord(own) ? own : {})];
      }
      const missing = ctx.requiredTags.filter((t) => !keys.includes(t));
      if (missing.length > 0) {
        out.push(
          finding(
            this,
            r,
            `missing required tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ` +
              `(has ${keys.length > 0 ? [...new Set(keys)].sort().join(", ") : "none"}); ` +
              "set them in the provider default_tags or the module's tags",
          ),
        );
      }
    }
    return out;
  },
};
