// Caches that keep at most a fixed number of entries, the oldest going first:
// what they hold is cheap to make again, so nothing smarter than insertion order
// is worth its cost.

/** Stores `value` under a key `cache` lacks, first dropping its oldest entry when it holds `limit`. */
export function rememberBounded<K, V>(cache: Map<K, V>, key: K, value: V, limit: number): V {
  if (cache.size >= limit) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}
