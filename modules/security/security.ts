/**
 * The security groups of the application: one for the Lambda function
 * (`app`), one for the database and one for the interface VPC endpoints.
 * The rules between them are created here, by construction, so the app can
 * always reach the endpoints on 443 and the database on its port, and
 * nothing else can.
 */
import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { BaseProps, Tags, fail, parseCidr, validateIntRange, validateName, withName } from "../core";

/** The three groups this module creates. */
export type SecurityGroupRole = "app" | "database" | "endpoint";

/** Direction of a rule, seen from the group that owns it. */
export type RuleDirection = "ingress" | "egress";

/** The other side of a rule: another group of this module, or an IPv4 CIDR block. */
export type RulePeer =
  | { readonly kind: "security-group"; readonly group: SecurityGroupRole }
  | { readonly kind: "cidr"; readonly cidr: string };

/** One rule the module created (exposed so stacks and tests can prove the wiring). */
export interface SecurityGroupRule {
  /** Group that owns the rule. */
  readonly group: SecurityGroupRole;
  /** Ingress (traffic into `group`) or egress (traffic out of `group`). */
  readonly direction: RuleDirection;
  /** Always TCP. */
  readonly protocol: "tcp";
  /** Destination port (a single port, from = to). */
  readonly port: number;
  /** Source (ingress) or destination (egress). */
  readonly peer: RulePeer;
  /** Description stored on the rule. */
  readonly description: string;
}

/** An extra egress rule of the app group to an IPv4 CIDR block. */
export interface AppEgressCidr {
  /** IPv4 CIDR block, e.g. `10.20.0.0/16`. */
  readonly cidr: string;
  /** TCP port, 1-65535. */
  readonly port: number;
  /** Why the app needs it (stored on the rule; AWS description characters only). */
  readonly description: string;
}

/** Properties of {@link SecurityGroups}. */
export interface SecurityGroupsProps extends BaseProps {
  /** VPC the groups belong to (e.g. `network.vpcId`). */
  readonly vpcId: string;
  /**
   * TCP port the database listens on.
   * @default 5432
   */
  readonly databasePort?: number;
  /**
   * IPv4 CIDR blocks that may reach the database port directly, e.g. one
   * developer's `/32`. For development only; 0.0.0.0/0 is rejected.
   * @default []
   */
  readonly developerCidrs?: ReadonlyArray<string>;
  /**
   * Extra TCP egress of the app group to CIDR blocks. The app group has no
   * other egress than the endpoints and the database.
   * @default []
   */
  readonly appEgressCidrs?: ReadonlyArray<AppEgressCidr>;
}

const HTTPS = 443;
/** Characters AWS accepts in security group and rule descriptions. */
const DESCRIPTION_RE = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{1,255}$/;

function validateCidr(field: string, value: string): string {
  const parsed = parseCidr(value);
  if (typeof parsed === "string") fail(field, value, parsed);
  return parsed.text;
}

/** Construct-id-safe form of a CIDR: `203.0.113.10/32` -> `203-0-113-10-32`. */
function cidrId(cidr: string): string {
  return cidr.replace(/[./]/g, "-");
}

/**
 * Three security groups with least-privilege rules between them:
 *
 * | group | rule |
 * |---|---|
 * | app | egress 443 to endpoint, egress databasePort to database (+ `appEgressCidrs`) |
 * | database | ingress databasePort from app (+ one per `developerCidrs`) |
 * | endpoint | ingress 443 from app |
 *
 * @example
 * const sg = new SecurityGroups(this, "security", { name: "hr-chatbot", vpcId: network.vpcId });
 */
export class SecurityGroups extends Construct {
  /** Group for the application (attach to the Lambda function). */
  public readonly appSecurityGroupId: string;
  /** Group for the database cluster. */
  public readonly databaseSecurityGroupId: string;
  /** Group for the interface VPC endpoints. */
  public readonly endpointSecurityGroupId: string;
  /** Database port the rules open. */
  public readonly databasePort: number;
  /** Developer CIDR blocks that reach the database port (canonical text). */
  public readonly developerCidrs: ReadonlyArray<string>;
  /** Every rule created, in creation order. */
  public readonly rules: ReadonlyArray<SecurityGroupRule>;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const name = validateName("name", props.name);
    if (name.startsWith("sg-")) fail("name", name, "must not start with sg- (AWS reserves it for group ids)");
    const tags = props.tags ?? {};
    const databasePort = validateIntRange("databasePort", props.databasePort ?? 5432, 1, 65535);
    if (typeof props.vpcId !== "string" || props.vpcId.length === 0) {
      fail("vpcId", props.vpcId, "must be a VPC id (e.g. network.vpcId)");
    }

    const developerCidrs = (props.developerCidrs ?? []).map((c, i) => {
      const field = `developerCidrs[${i}]`;
      const text = validateCidr(field, c);
      if (text === "0.0.0.0/0") {
        fail(
          field,
          c,
          "would open the database port to the whole internet; give the developer's own address (/32)",
        );
      }
      return text;
    });
    developerCidrs.forEach((c, i) => {
      const first = developerCidrs.indexOf(c);
      if (first !== i) fail(`developerCidrs[${i}]`, c, `duplicates developerCidrs[${first}]`);
    });

    const appEgress = (props.appEgressCidrs ?? []).map((e, i) => {
      const field = `appEgressCidrs[${i}]`;
      const cidr = validateCidr(`${field}.cidr`, e.cidr);
      validateIntRange(`${field}.port`, e.port, 1, 65535);
      if (typeof e.description !== "string" || !DESCRIPTION_RE.test(e.description)) {
        fail(
          `${field}.description`,
          e.description,
          "must be 1-255 characters of a-z A-Z 0-9 space and ._-:/()#,@[]+=&;{}!$*",
        );
      }
      return { cidr, port: e.port, description: e.description };
    });
    appEgress.forEach((e, i) => {
      const first = appEgress.findIndex((o) => o.cidr === e.cidr && o.port === e.port);
      if (first !== i)
        fail(`appEgressCidrs[${i}]`, e, `duplicates appEgressCidrs[${first}] (same cidr and port)`);
    });

    const groups: Record<SecurityGroupRole, SecurityGroup> = {
      app: this.group(
        "app",
        name,
        props.vpcId,
        tags,
        `${name} application: reaches the database and the endpoints`,
      ),
      database: this.group("database", name, props.vpcId, tags, `${name} database: accepts the application`),
      endpoint: this.group(
        "endpoint",
        name,
        props.vpcId,
        tags,
        `${name} interface VPC endpoints: accept HTTPS from the application`,
      ),
    };

    const rules: SecurityGroupRule[] = [];
    const addRule = (ruleId: string, rule: SecurityGroupRule): void => {
      const common = {
        securityGroupId: groups[rule.group].id,
        ipProtocol: rule.protocol,
        fromPort: rule.port,
        toPort: rule.port,
        description: rule.description,
        tags: withName(tags, `${name}-${ruleId}`),
        ...(rule.peer.kind === "security-group"
          ? { referencedSecurityGroupId: groups[rule.peer.group].id }
          : { cidrIpv4: rule.peer.cidr }),
      };
      if (rule.direction === "ingress") {
        new VpcSecurityGroupIngressRule(this, ruleId, common);
      } else {
        new VpcSecurityGroupEgressRule(this, ruleId, common);
      }
      rules.push(rule);
    };

    const app = { kind: "security-group", group: "app" } as const;
    addRule("app-to-endpoint-https", {
      group: "app",
      direction: "egress",
      protocol: "tcp",
      port: HTTPS,
      peer: { kind: "security-group", group: "endpoint" },
      description: "HTTPS to the interface VPC endpoints",
    });
    addRule("app-to-database", {
      group: "app",
      direction: "egress",
      protocol: "tcp",
      port: databasePort,
      peer: { kind: "security-group", group: "database" },
      description: "Database connections to the database group",
    });
    appEgress.forEach((e) => {
      addRule(`app-to-${cidrId(e.cidr)}-${e.port}`, {
        group: "app",
        direction: "egress",
        protocol: "tcp",
        port: e.port,
        peer: { kind: "cidr", cidr: e.cidr },
        description: e.description,
      });
    });
    addRule("database-from-app", {
      group: "database",
      direction: "ingress",
      protocol: "tcp",
      port: databasePort,
      peer: app,
      description: "Database connections from the application group",
    });
    developerCidrs.forEach((cidr) => {
      addRule(`database-from-${cidrId(cidr)}`, {
        group: "database",
        direction: "ingress",
        protocol: "tcp",
        port: databasePort,
        peer: { kind: "cidr", cidr },
        description: `Developer access from ${cidr} (development only)`,
      });
    });
    addRule("endpoint-from-app-https", {
      group: "endpoint",
      direction: "ingress",
      protocol: "tcp",
      port: HTTPS,
      peer: app,
      description: "HTTPS from the application group",
    });

    this.appSecurityGroupId = groups.app.id;
    this.databaseSecurityGroupId = groups.database.id;
    this.endpointSecurityGroupId = groups.endpoint.id;
    this.databasePort = databasePort;
    this.developerCidrs = developerCidrs;
    this.rules = rules;
  }

  /** Rules owned by one group. */
  public rulesOf(group: SecurityGroupRole): SecurityGroupRule[] {
    return this.rules.filter((r) => r.group === group);
  }

  private group(
    role: SecurityGroupRole,
    name: string,
    vpcId: string,
    tags: Tags,
    description: string,
  ): SecurityGroup {
    // No inline ingress/egress: every rule is its own resource. Terraform
    // removes the allow-all egress AWS adds to a new group.
    return new SecurityGroup(this, `${role}-sg`, {
      name: `${name}-${role}-sg`,
      description,
      vpcId,
      tags: withName(tags, `${name}-${role}-sg`),
    });
  }
}

// ---------------------------------------------------------------------------
// Validators the environment schema composes (one owner per rule).

/** Widest developer range accepted: a /24 (256 addresses, a small office). */
export const DEVELOPER_CIDR_MIN_PREFIX = 24;

/**
 * The problem with one developer CIDR (direct access to the database port),
 * or `undefined`: an IPv4 CIDR with the host bits clear, no wider than a /24.
 */
export function developerCidrProblem(cidr: string): string | undefined {
  const parsed = parseCidr(cidr);
  if (typeof parsed === "string") return parsed;
  if (parsed.prefix === 0) {
    return "opens the database port to the whole internet; give the developer's own address (/32)";
  }
  if (parsed.prefix < DEVELOPER_CIDR_MIN_PREFIX) {
    return `is wider than a /${DEVELOPER_CIDR_MIN_PREFIX} (${2 ** (32 - parsed.prefix)} addresses); give each developer's own address (/32) or an office range of at most 256 addresses`;
  }
  return undefined;
}

/**
 * The problem with a whole developer CIDR list, or `undefined`: together the
 * ranges may cover at most 256 addresses, so many narrow ranges cannot add up
 * to a wide one.
 */
export function developerCidrsProblem(cidrs: readonly string[]): string | undefined {
  let total = 0;
  for (const c of cidrs) {
    const parsed = parseCidr(c);
    if (typeof parsed !== "string") total += 2 ** (32 - parsed.prefix);
  }
  const max = 2 ** (32 - DEVELOPER_CIDR_MIN_PREFIX);
  return total > max
    ? `cover ${total} addresses together; developer access may cover at most ${max} (one /32 per developer)`
    : undefined;
}
