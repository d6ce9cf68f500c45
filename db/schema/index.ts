export * from "./items";
export * from "./relations";
export * from "./roles";
export * from "./users";
