// Queries on hot paths, built and compiled once per dialect instead of on every call: Kysely's
// builders and compiler cost about 8 µs per query, a tenth of a cached note read's CPU
// (bench/RESULTS.md). The SQL and the parameter order are recorded on first use; each call only
// puts its own values in place.
import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';

/** Stands in for the n-th argument while the query is compiled. */
class Slot {
  constructor(readonly index: number) {}
}

type Db = Pick<Kysely<any>, 'getExecutor' | 'executeQuery'>;

/**
 * `prepared((db, id: string) => db.selectFrom('notes').selectAll().where('id', '=', id))` returns
 * `(db, id) => rows`. The builder must use its arguments only as values (not to choose tables,
 * columns or which clauses to add), and take exactly the arguments it declares (no defaults).
 */
export function prepared<D extends Db, A extends unknown[], R>(
  build: (db: D, ...args: A) => Compilable<R>,
): (db: D, ...args: A) => Promise<R[]> {
  const arity = build.length - 1;
  // Keyed by the dialect adapter: a Kysely instance and its transactions share one.
  const compiled = new WeakMap<object, CompiledQuery<R>>();
  return async (db, ...args) => {
    const { adapter } = db.getExecutor();
    let query = compiled.get(adapter);
    if (!query) {
      const slots = Array.from({ length: arity }, (_, index) => new Slot(index));
      query = build(db, ...(slots as A)).compile();
      const used = new Set(query.parameters.filter((value) => value instanceof Slot));
      if (used.size !== arity) throw new Error(`prepared query: ${used.size} of its ${arity} arguments reach the SQL`);
      compiled.set(adapter, query);
    }
    const parameters = query.parameters.map((value) => (value instanceof Slot ? args[value.index] : value));
    const { rows } = await db.executeQuery<R>({ ...query, parameters, queryId: createQueryId() });
    return rows;
  };
}
