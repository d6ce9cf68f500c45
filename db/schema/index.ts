export * from "./items";
export * from "./roles";
export * from "./users";
