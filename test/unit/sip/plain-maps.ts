// Parsed parameters live in LazyMaps, which deepEqual would not compare with the Maps they stand for;
// and a parsed URI holds its absent optional fields as undefined (one object shape), where a
// literal omits them.
import { LazyMap } from '../../../src/sip/lazy-map.js';

/**
 * A copy of `value` (objects, arrays) in which every LazyMap is a plain Map of the same entries
 * and no object has a property whose value is undefined.
 */
export function withPlainMaps<T>(value: T): T {
  if (value instanceof LazyMap) return new Map(value) as T;
  if (Array.isArray(value)) return value.map(withPlainMaps) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const present = Object.entries(value).filter(([, item]) => item !== undefined);
    return Object.fromEntries(present.map(([key, item]) => [key, withPlainMaps(item)])) as T;
  }
  return value;
}
