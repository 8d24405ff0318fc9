/**
 * The aurora-postgresql engine versions RDS offers for Serverless v2, with the
 * facts this library needs about each: the parameter-group family of its
 * major version, the lowest minimum capacity (0 ACU: automatic pause) and the
 * highest maximum capacity (128 or 256 ACU). One table, so the database
 * module, the environment schema and the capacity rules read the same facts.
 *
 * Checked on {@link ENGINE_VERSIONS_CHECKED} against two sources (see
 * {@link ENGINE_VERSION_SOURCES}): every minor version is one the AWS CDK's
 * `AuroraPostgresEngineVersion` names (its list of 2026-10-20) and, for the
 * newest of each major, an AWS release announcement or the extension-versions
 * page; the capacity thresholds are quoted from the capacity table of "How
 * Aurora Serverless v2 works". Minors the CDK names but no AWS page confirms
 * (13.17, 14.14, 15.9, 16.5, 17.1-17.3) are left out. Which versions RDS still
 * offers was not checked against the live API (no network access when the
 * table was written): RDS retires old minors, so before relying on an entry, run
 *
 *     aws rds describe-orderable-db-instance-options --engine aurora-postgresql \
 *       --db-instance-class db.serverless --region <region> \
 *       --query 'OrderableDBInstanceOptions[].EngineVersion' --output text
 *
 * and add or remove rows here (one row per version; the facts follow the
 * thresholds of the capacity table: 0 ACU from 13.15, 14.12, 15.7, 16.3;
 * 256 ACU from 13.13, 14.10, 15.5, 16.1; every 17.x, whose first release came
 * after those thresholds, is given 0-256). The range a cluster really gets
 * also depends on its platform version (platform version 1 stops at 128 ACU),
 * which RDS picks and this table cannot know.
 */

/** Date the table was last compared with the sources (ISO 8601). */
export const ENGINE_VERSIONS_CHECKED = "2026-11-30";

/** Where the table comes from. */
export const ENGINE_VERSION_SOURCES: readonly string[] = [
  "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Updates.html",
  "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html",
  "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.how-it-works.html#aurora-serverless-v2.how-it-works.capacity",
  "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Extensions.html",
  "AWS CDK aws-rds AuroraPostgresEngineVersion (type last changed 2026-10-20)",
  "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html",
  "aws rds describe-db-engine-versions --engine aurora-postgresql",
];

/** What this library knows about one aurora-postgresql engine version. */
export interface EngineVersionFacts {
  /** The version, `major.minor` (e.g. `17.6`). */
  readonly version: string;
  /** Major version (e.g. 17). */
  readonly major: number;
  /** Minor version (e.g. 6). */
  readonly minor: number;
  /** Parameter-group family of the major version, `aurora-postgresql<major>`. */
  readonly family: string;
  /** Lowest Serverless v2 minimum capacity, in ACUs: 0 (automatic pause) or 0.5. */
  readonly lowestMinCapacityAcu: 0 | 0.5;
  /** Highest Serverless v2 maximum capacity, in ACUs: 128 or 256. */
  readonly highestMaxCapacityAcu: 128 | 256;
}

/** Rows: version, lowest minimum ACU, highest maximum ACU. */
const ROWS: ReadonlyArray<readonly [string, 0 | 0.5, 128 | 256]> = [
  ["13.12", 0.5, 128],
  ["13.13", 0.5, 256],
  ["13.14", 0.5, 256],
  ["13.15", 0, 256],
  ["13.16", 0, 256],
  ["13.18", 0, 256],
  ["13.20", 0, 256],
  ["13.21", 0, 256],
  ["13.22", 0, 256],
  ["13.23", 0, 256],
  ["14.9", 0.5, 128],
  ["14.10", 0.5, 256],
  ["14.11", 0.5, 256],
  ["14.12", 0, 256],
  ["14.13", 0, 256],
  ["14.15", 0, 256],
  ["14.17", 0, 256],
  ["14.18", 0, 256],
  ["14.19", 0, 256],
  ["14.20", 0, 256],
  ["15.4", 0.5, 128],
  ["15.5", 0.5, 256],
  ["15.6", 0.5, 256],
  ["15.7", 0, 256],
  ["15.8", 0, 256],
  ["15.10", 0, 256],
  ["15.12", 0, 256],
  ["15.13", 0, 256],
  ["15.14", 0, 256],
  ["15.15", 0, 256],
  ["16.1", 0.5, 256],
  ["16.2", 0.5, 256],
  ["16.3", 0, 256],
  ["16.4", 0, 256],
  ["16.6", 0, 256],
  ["16.8", 0, 256],
  ["16.9", 0, 256],
  ["16.10", 0, 256],
  ["16.11", 0, 256],
  ["17.4", 0, 256],
  ["17.5", 0, 256],
  ["17.6", 0, 256],
  ["17.7", 0, 256],
];

/** Parameter-group family of an aurora-postgresql major version, e.g. `aurora-postgresql17`. */
export function parameterGroupFamily(major: number): string {
  return `aurora-postgresql${major}`;
}

/** Every version of the table, keyed by `major.minor`, oldest first. */
export const AURORA_POSTGRES_VERSIONS: Readonly<Record<string, EngineVersionFacts>> = Object.fromEntries(
  ROWS.map(([version, lowestMinCapacityAcu, highestMaxCapacityAcu]) => {
    const [major, minor] = version.split(".").map(Number);
    const facts: EngineVersionFacts = {
      version,
      major,
      minor,
      family: parameterGroupFamily(major),
      lowestMinCapacityAcu,
      highestMaxCapacityAcu,
    };
    return [version, facts];
  }),
);

/** The facts of an offered version, or `undefined` for a version not in the table. */
export function engineVersionFacts(version: string): EngineVersionFacts | undefined {
  return Object.prototype.hasOwnProperty.call(AURORA_POSTGRES_VERSIONS, version)
    ? AURORA_POSTGRES_VERSIONS[version]
    : undefined;
}

/** `major.minor` parsed, or `undefined` when the text is not of that form. */
export function parseEngineVersion(version: string): { major: number; minor: number } | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(version);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * The offered versions nearest to `version`: the closest minors of the same
 * major (up to `count`), or else the newest version of each nearest major.
 */
export function nearestEngineVersions(version: string, count = 2): string[] {
  const all = Object.values(AURORA_POSTGRES_VERSIONS);
  const v = parseEngineVersion(version) ?? { major: NaN, minor: NaN };
  const sameMajor = all.filter((f) => f.major === v.major);
  if (sameMajor.length > 0) {
    return [...sameMajor]
      .sort((a, b) => Math.abs(a.minor - v.minor) - Math.abs(b.minor - v.minor) || b.minor - a.minor)
      .slice(0, count)
      .sort((a, b) => a.minor - b.minor)
      .map((f) => f.version);
  }
  const newest = new Map<number, EngineVersionFacts>();
  for (const f of all) newest.set(f.major, f); // rows are oldest first
  const majors = [...newest.keys()];
  const byDistance = Number.isNaN(v.major)
    ? majors.reverse()
    : [...majors].sort((a, b) => Math.abs(a - v.major) - Math.abs(b - v.major) || b - a);
  return byDistance
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((m) => newest.get(m)!.version);
}
