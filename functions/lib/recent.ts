/**
 * A map that keeps the `limit` keys set most recently: setting a key again makes it the newest, and past the
 * limit the oldest is forgotten. For what a process remembers per caller (their tier, their last write), which
 * must not grow with the number of callers it ever saw.
 */
export function recentMap<V>(limit: number) {
  const map = new Map<string, V>();
  return {
    get: (key: string) => map.get(key),
    set(key: string, value: V) {
      map.delete(key);
      map.set(key, value);
      if (map.size > limit) map.delete(map.keys().next().value as string);
    },
  };
}
