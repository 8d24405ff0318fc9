export * from "./database";
export * from "./engine-versions";
