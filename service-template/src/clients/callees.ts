// Made by lsvc: the services this one calls, one typed client each in this folder
// (`lsvc client add <service>` adds one and rewrites this file). config.ts validates
// <SERVICE>_URL for each: required in production.
export const callees: readonly string[] = [];
