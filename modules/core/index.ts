export * from "./core";
export * from "./cidr";
export * from "./aws-names";
export * from "./logs";
export * from "./postgres";
export * from "./iam";
export * from "./arn";
