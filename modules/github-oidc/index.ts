export * from "./github-oidc";
