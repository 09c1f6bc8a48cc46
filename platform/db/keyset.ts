/**
 * Keyset pagination for lists sorted newest first by `(column desc, id desc)` whose cursor is a row's id:
 * the rows strictly after that row in this order. The id breaks ties, so rows sharing a timestamp are never skipped.
 */
import type { Db } from './client.js';

export function afterRowById(db: Db, table: string, column: string, id: string) {
  return db`(${db(column)}, id) < (select ${db(column)}, id from ${db(table)} where id = ${id})`;
}

/** The sort matching `afterRowById`. */
export function newestFirst(db: Db, column: string) {
  return db`order by ${db(column)} desc, id desc`;
}
