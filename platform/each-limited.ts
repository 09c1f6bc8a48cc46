/**
 * Runs `task` over `items`, at most `concurrency` at a time (each lane takes the next item as it finishes one), for
 * I/O that waits on others (Temporal, mail servers): answers the items whose task succeeded and the first error.
 */
export async function eachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<{ done: T[]; failure: unknown }> {
  const done: T[] = [];
  let failure: unknown = null;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        try {
          await task(item);
          done.push(item);
        } catch (error) {
          failure ??= error;
        }
      }
    }),
  );
  return { done, failure };
}
