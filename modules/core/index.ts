export * from "./core";
export * from "./cidr";
