export { type CountKind, type CursorPage, crud, type Page } from "./crud";
export { type Field, type Fields, fieldsOf, qualified } from "./fields";
export { OPERATORS, type Operator } from "./filters";
export {
  COUNT_MODES,
  type CountMode,
  type Include,
  type ListQuery,
  type ListSpec,
  PAGING_BOUNDS,
  parseListQuery,
  type RawQuery,
  type SortKey,
} from "./list-query";
