import {
  AURORA_POSTGRES_VERSIONS,
  ENGINE_VERSIONS_CHECKED,
  ENGINE_VERSION_SOURCES,
  engineVersionFacts,
  nearestEngineVersions,
  parameterGroupFamily,
} from "./engine-versions";
import { DEFAULT_ENGINE_VERSION, capacityRangeProblem, engineVersionProblem } from "./database";

describe("aurora-postgresql engine version table", () => {
  const rows = Object.values(AURORA_POSTGRES_VERSIONS);

  it("is dated and sourced", () => {
    expect(new Date(ENGINE_VERSIONS_CHECKED).toISOString().slice(0, 10)).toBe(ENGINE_VERSIONS_CHECKED);
    expect(ENGINE_VERSION_SOURCES.some((s) => s.includes("AuroraPostgreSQLReleaseNotes"))).toBe(true);
    expect(ENGINE_VERSION_SOURCES.some((s) => s.includes("describe-db-engine-versions"))).toBe(true);
  });

  it("holds majors 13 to 17, each with its parameter-group family", () => {
    expect([...new Set(rows.map((r) => r.major))]).toEqual([13, 14, 15, 16, 17]);
    for (const r of rows) {
      expect(r.version).toBe(`${r.major}.${r.minor}`);
      expect(r.family).toBe(`aurora-postgresql${r.major}`);
    }
    expect(parameterGroupFamily(16)).toBe("aurora-postgresql16");
  });

  it("holds the default version", () => {
    expect(engineVersionFacts(DEFAULT_ENGINE_VERSION)).toMatchObject({ major: 17, minor: 6 });
  });

  it("states the capacity limits per version, as the capacity pages' thresholds say", () => {
    const autoPauseFrom: Record<number, number> = { 13: 15, 14: 12, 15: 7, 16: 3, 17: 0 };
    const max256From: Record<number, number> = { 13: 13, 14: 10, 15: 5, 16: 1, 17: 0 };
    for (const r of rows) {
      expect([r.version, r.lowestMinCapacityAcu]).toEqual([
        r.version,
        r.minor >= autoPauseFrom[r.major] ? 0 : 0.5,
      ]);
      expect([r.version, r.highestMaxCapacityAcu]).toEqual([
        r.version,
        r.minor >= max256From[r.major] ? 256 : 128,
      ]);
    }
  });

  it("lists rows oldest first", () => {
    const sorted = [...rows].sort((a, b) => a.major - b.major || a.minor - b.minor);
    expect(rows.map((r) => r.version)).toEqual(sorted.map((r) => r.version));
  });

  it.each([
    ["17.9", ["17.6", "17.7"]],
    ["16.5", ["16.4", "16.6"]],
    ["18.0", ["16.11", "17.7"]],
    ["12.9", ["13.23", "14.20"]],
  ])("names the offered versions nearest to %s", (version, nearest) => {
    expect(nearestEngineVersions(version)).toEqual(nearest);
  });

  it("refuses a version not in the table, and takes the capacity limits from its row", () => {
    expect(engineVersionProblem("17.6")).toBeUndefined();
    expect(engineVersionProblem("17.9")).toMatch(/nearest offered: 17\.6, 17\.7$/);
    expect(engineVersionProblem("constructor")).toMatch(/must be an Aurora PostgreSQL version/);
    expect(engineVersionFacts("toString")).toBeUndefined();
    expect(capacityRangeProblem("16.2", 0, 2)?.field).toBe("minCapacity");
    expect(capacityRangeProblem("16.3", 0, 2)).toBeUndefined();
    expect(capacityRangeProblem("15.4", 0.5, 200)?.field).toBe("maxCapacity");
    expect(capacityRangeProblem("15.5", 0.5, 256)).toBeUndefined();
  });
});
