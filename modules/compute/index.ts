export * from "./compute";
