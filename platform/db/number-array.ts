/**
 * A PostgreSQL array literal of numbers, sent as one text parameter and cast by the statement (`::bigint[]`,
 * `::numeric[]`, `::boolean[]`). postgres.js's array serializer quotes every element and runs two escaping regular
 * expressions over it, which numbers never need: the batches of the ledger and the exchange send a few dozen such
 * elements per order. Only integers, bigints, booleans and nulls are accepted, so no element can hold a delimiter.
 */
export function numberArray(values: ReadonlyArray<number | bigint | boolean | null>): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
    if (i > 0) literal += ',';
    literal += value === null ? 'NULL' : String(value);
  }
  return literal + '}';
}
