/**
 * Generated environment files for the scaling benchmark: copies of a template
 * (the shipped `dev.json`) that differ in name and address space, so a folder
 * of N of them synthesizes N independent environment stacks.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The fields of an environment file the generator rewrites. */
interface TemplateDoc {
  name?: unknown;
  tags?: Record<string, string>;
  network?: {
    vpcCidr?: string;
    publicSubnets?: { az: string; cidr: string }[];
    isolatedSubnets?: { az: string; cidr: string }[];
  };
  [key: string]: unknown;
}

/** Name of the i-th generated environment (`bench-01`, `bench-02`, ...). */
export function benchEnvironmentName(i: number): string {
  return `bench-${String(i + 1).padStart(2, "0")}`;
}

/**
 * The i-th copy of `template` (0-based, at most 255): name `bench-NN`, VPC
 * `10.<i>.0.0/24`, and the template's subnets moved into that /24 (each keeps
 * its offset and prefix length inside the template's VPC).
 */
export function environmentCopy(template: unknown, i: number): Record<string, unknown> {
  if (!Number.isInteger(i) || i < 0 || i > 255) throw new Error(`environment index ${i} is outside 0..255`);
  const doc = structuredClone(template) as TemplateDoc;
  const name = benchEnvironmentName(i);
  doc.name = name;
  if (doc.tags && "Environment" in doc.tags) doc.tags.Environment = name;
  const net = doc.network;
  if (!net?.vpcCidr) throw new Error("template has no network.vpcCidr");
  const [base, prefix] = net.vpcCidr.split("/");
  if (prefix !== "24") throw new Error(`template network.vpcCidr ${net.vpcCidr} must be a /24`);
  const templateThird = base.split(".").slice(0, 3).join(".");
  const move = (cidr: string) => {
    const [addr, len] = cidr.split("/");
    const octets = addr.split(".");
    if (octets.slice(0, 3).join(".") !== templateThird)
      throw new Error(`template subnet ${cidr} is not inside ${net.vpcCidr}`);
    return `10.${i}.0.${octets[3]}/${len}`;
  };
  net.vpcCidr = `10.${i}.0.0/24`;
  for (const key of ["publicSubnets", "isolatedSubnets"] as const) {
    net[key] = net[key]?.map((s) => ({ ...s, cidr: move(s.cidr) }));
  }
  return doc;
}

/** Write `count` copies of `template` into `dir`; returns the file names. */
export function writeEnvironments(dir: string, template: unknown, count: number): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const doc = environmentCopy(template, i);
    delete doc.$schema;
    const file = `${benchEnvironmentName(i)}.json`;
    writeFileSync(join(dir, file), JSON.stringify(doc, null, 2));
    files.push(file);
  }
  return files;
}
