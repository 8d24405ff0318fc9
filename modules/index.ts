/**
 * The module library: every reusable construct of this repository, for
 * teams that build their own stacks from them. Published as the package
 * `@hr-chatbot/cdktf-modules` (see README.md in this folder).
 *
 *   import { Network, SecurityGroups, VpcFunction } from "@hr-chatbot/cdktf-modules";
 */
export * from "./core";
export * from "./network";
export * from "./security";
export * from "./endpoints";
export * from "./secrets";
export * from "./database";
export * from "./compute";
export * from "./api";
export * from "./observability";
export * from "./db-bootstrap";
export * from "./rotation";
export * from "./backend";
export * from "./state-bucket";
export * from "./github-oidc";
