/**
 * AWS regions and their availability zones: one dated list that every module
 * and the environment schema check region and zone names against, so a name
 * of the right shape that does not exist (`ap-northeast-9`, `ap-northeast-1z`)
 * fails at synth time instead of at `terraform plan`.
 *
 * Sources (checked 2026-11-30):
 * - Regions: the region names the pinned hashicorp/aws provider 5.100.0 knows
 *   (its endpoint table; a region it does not know fails `terraform validate`
 *   unless `skip_region_validation` is set), intersected with the regions AWS
 *   lists as generally available.
 *   @see https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
 * - Zones: the availability zone names AWS publishes per region. Zone names
 *   map to different physical zones per account; the letters are the same.
 *   `ap-northeast-1b`, `us-east-1f`-style letters that AWS no longer offers to
 *   new accounts are left out.
 *   @see https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
 */
import { z } from "zod";
import { fail } from "./core";

/** One region: its partition and the letters of its availability zones. */
export interface AwsRegion {
  /** ARN partition: `aws`, `aws-cn` or `aws-us-gov`. */
  readonly partition: "aws" | "aws-cn" | "aws-us-gov";
  /** Zone letters, e.g. `["a", "c", "d"]` for `ap-northeast-1a/c/d`. */
  readonly zones: readonly string[];
}

const abc = ["a", "b", "c"] as const;

/** Date the region and zone list was last checked against the sources above. */
export const AWS_REGIONS_CHECKED = "2026-11-30";

/** Every region this project can deploy to, with its availability zone letters. */
export const AWS_REGIONS: Readonly<Record<string, AwsRegion>> = {
  "af-south-1": { partition: "aws", zones: abc },
  "ap-east-1": { partition: "aws", zones: abc },
  "ap-northeast-1": { partition: "aws", zones: ["a", "c", "d"] },
  "ap-northeast-2": { partition: "aws", zones: ["a", "b", "c", "d"] },
  "ap-northeast-3": { partition: "aws", zones: abc },
  "ap-south-1": { partition: "aws", zones: abc },
  "ap-south-2": { partition: "aws", zones: abc },
  "ap-southeast-1": { partition: "aws", zones: abc },
  "ap-southeast-2": { partition: "aws", zones: abc },
  "ap-southeast-3": { partition: "aws", zones: abc },
  "ap-southeast-4": { partition: "aws", zones: abc },
  "ap-southeast-5": { partition: "aws", zones: abc },
  "ap-southeast-7": { partition: "aws", zones: abc },
  "ca-central-1": { partition: "aws", zones: ["a", "b", "d"] },
  "ca-west-1": { partition: "aws", zones: abc },
  "eu-central-1": { partition: "aws", zones: abc },
  "eu-central-2": { partition: "aws", zones: abc },
  "eu-north-1": { partition: "aws", zones: abc },
  "eu-south-1": { partition: "aws", zones: abc },
  "eu-south-2": { partition: "aws", zones: abc },
  "eu-west-1": { partition: "aws", zones: abc },
  "eu-west-2": { partition: "aws", zones: abc },
  "eu-west-3": { partition: "aws", zones: abc },
  "il-central-1": { partition: "aws", zones: abc },
  "me-central-1": { partition: "aws", zones: abc },
  "me-south-1": { partition: "aws", zones: abc },
  "mx-central-1": { partition: "aws", zones: abc },
  "sa-east-1": { partition: "aws", zones: abc },
  "us-east-1": { partition: "aws", zones: ["a", "b", "c", "d", "e", "f"] },
  "us-east-2": { partition: "aws", zones: abc },
  "us-west-1": { partition: "aws", zones: ["a", "b", "c"] },
  "us-west-2": { partition: "aws", zones: ["a", "b", "c", "d"] },
  "cn-north-1": { partition: "aws-cn", zones: ["a", "b", "d"] },
  "cn-northwest-1": { partition: "aws-cn", zones: abc },
  "us-gov-east-1": { partition: "aws-us-gov", zones: abc },
  "us-gov-west-1": { partition: "aws-us-gov", zones: abc },
};

/** The rule a bad region breaks, for messages and the JSON Schema. */
export const AWS_REGION_RULE = `must be an AWS region code such as ap-northeast-1 that exists and the aws provider 5.100.0 knows (list checked ${AWS_REGIONS_CHECKED})`;

/** The problem with `region`, or `undefined` when it is a known region. */
export function regionProblem(region: string): string | undefined {
  if (typeof region !== "string" || !Object.hasOwn(AWS_REGIONS, region)) return AWS_REGION_RULE;
  return undefined;
}

/** Availability zone names of a region (`ap-northeast-1a`, ...); empty for an unknown region. */
export function availabilityZones(region: string): string[] {
  return Object.hasOwn(AWS_REGIONS, region) ? AWS_REGIONS[region].zones.map((z) => `${region}${z}`) : [];
}

/**
 * The problem with availability zone name `az` (in `region` when given), or
 * `undefined` when the zone exists.
 */
export function availabilityZoneProblem(az: string, region?: string): string | undefined {
  if (typeof az !== "string") return "must be an availability zone name such as ap-northeast-1a";
  if (/^[a-z]+\d+-az\d+$/.test(az)) {
    return "is an availability zone ID; give the zone name such as ap-northeast-1a";
  }
  const azRegion = az.slice(0, -1);
  if (region !== undefined && azRegion !== region) {
    return `is not an availability zone of region ${region} (its zones: ${availabilityZones(region).join(", ") || "none known"})`;
  }
  if (!Object.hasOwn(AWS_REGIONS, azRegion)) {
    return "is not an availability zone name of a known AWS region (e.g. ap-northeast-1a)";
  }
  if (!AWS_REGIONS[azRegion].zones.includes(az.slice(-1))) {
    return `is not an availability zone of region ${azRegion} (its zones: ${availabilityZones(azRegion).join(", ")})`;
  }
  return undefined;
}

/** Validate a region name; throws a ConfigError naming `field`. */
export function validateRegion(field: string, value: string): string {
  const problem = regionProblem(value);
  if (problem) fail(field, value, problem);
  return value;
}

/** A region name as a zod schema: the JSON Schema lists the same regions as an enum. */
export const awsRegionSchema = z.enum(Object.keys(AWS_REGIONS) as [string, ...string[]], {
  error: AWS_REGION_RULE,
});

/** Every availability zone name of every region, for the JSON Schema. */
export const AVAILABILITY_ZONES: readonly string[] = Object.keys(AWS_REGIONS).flatMap(availabilityZones);

/** An availability zone name as a zod schema (the region match is a cross-field rule). */
export const availabilityZoneSchema = z.string().superRefine((value, ctx) => {
  const problem = availabilityZoneProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
