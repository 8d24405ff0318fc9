export * from "./rotation";
export { ROTATION_HANDLER_ENTRY, rotationHandlerBundle } from "./bundle";
