export * from "./categories";
export * from "./items";
export * from "./posts";
export * from "./relations";
export * from "./roles";
export * from "./users";
