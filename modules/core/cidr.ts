/**
 * IPv4 CIDR arithmetic on top of ipaddr.js: parsing, containment, overlap and
 * carving subnets out of a VPC range. Used by the network module and by the
 * environment validation, so both apply exactly the same rules.
 */
import * as ipaddr from "ipaddr.js";

/** A parsed IPv4 CIDR block. */
export interface Cidr {
  /** Canonical text, e.g. `10.0.0.0/25`. */
  readonly text: string;
  /** First address as an unsigned 32-bit integer. */
  readonly start: number;
  /** Last address as an unsigned 32-bit integer. */
  readonly end: number;
  /** Prefix length. */
  readonly prefix: number;
}

function toInt(addr: ipaddr.IPv4): number {
  return addr.octets.reduce((acc, o) => acc * 256 + o, 0);
}

function fromInt(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/**
 * Parse `a.b.c.d/n`. Returns an error string instead of throwing so callers can
 * collect every problem at once. Host bits must be zero (`10.0.0.1/24` is rejected).
 */
export function parseCidr(text: string): Cidr | string {
  if (typeof text !== "string" || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text)) {
    return "is not an IPv4 CIDR block (a.b.c.d/n)";
  }
  let addr: ipaddr.IPv4;
  let prefix: number;
  try {
    [addr, prefix] = ipaddr.IPv4.parseCIDR(text);
  } catch {
    return "is not an IPv4 CIDR block (a.b.c.d/n)";
  }
  const start = toInt(addr);
  const size = 2 ** (32 - prefix);
  if (start % size !== 0) {
    return `has host bits set (the network address is ${fromInt(start - (start % size))}/${prefix})`;
  }
  return { text: `${fromInt(start)}/${prefix}`, start, end: start + size - 1, prefix };
}

/** Parse or throw (for code paths that already validated their input). */
export function mustParseCidr(text: string): Cidr {
  const r = parseCidr(text);
  if (typeof r === "string") throw new Error(`${text} ${r}`);
  return r;
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

/** True when the two blocks share at least one address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/**
 * Split `parent` into consecutive blocks of `newPrefix` and return the first `count`.
 * Throws when they do not fit.
 */
export function subdivide(parent: Cidr, newPrefix: number, count: number): string[] {
  if (newPrefix < parent.prefix || newPrefix > 28) {
    throw new Error(`cannot carve /${newPrefix} blocks out of ${parent.text} (AWS subnets are /16 to /28)`);
  }
  const size = 2 ** (32 - newPrefix);
  const available = 2 ** (newPrefix - parent.prefix);
  if (count > available) {
    throw new Error(`${parent.text} holds only ${available} /${newPrefix} blocks, ${count} requested`);
  }
  return Array.from({ length: count }, (_, i) => `${fromInt(parent.start + i * size)}/${newPrefix}`);
}

/** Number of addresses in the block. */
export function cidrSize(c: Cidr): number {
  return c.end - c.start + 1;
}
