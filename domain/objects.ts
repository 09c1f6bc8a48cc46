/**
 * `{ ...base, ...more }` without the slow path of node 20's V8: an object literal that starts with a spread and then
 * adds properties its source lacks gets a hidden class of its own every time (about 1–10 µs and a map left on the old
 * heap per object, and every site that later reads such objects turns megamorphic). Assigning into a fresh object
 * follows the shared transitions instead. For objects made per request, per row or per bet; a literal that spreads
 * after a property of its own, or a spread that only overrides existing properties, is fine as it is. Workflow-safe.
 */
export function extended<Base extends object, More extends object>(base: Base, more: More): Omit<Base, keyof More> & More {
  return Object.assign({}, base, more);
}
