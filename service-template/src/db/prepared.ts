// Queries on hot paths, built and compiled once per dialect instead of on every call: Kysely's
// builders and compiler cost about 8 µs per query, a tenth of a cached note read's CPU
// (bench/RESULTS.md). The SQL and the parameter order are recorded on first use; each call only
// puts its own values in place. Outside transactions, on Postgres, the query goes to the pool
// directly as a named prepared statement (see directQueryOf).
import { createHash } from 'node:crypto';
import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';
import { directQueryOf } from './database.js';

/** Stands in for the n-th argument while the query is compiled. */
class Slot {
  constructor(readonly index: number) {}
}

type Db = Pick<Kysely<any>, 'getExecutor' | 'executeQuery'>;

interface Compiled<R> {
  query: CompiledQuery<R>;
  /** Where each parameter comes from: an argument's index, or a constant of the builder. */
  sources: Array<{ arg: number } | { value: unknown }>;
  /** The statement's name on a connection: the same SQL gets the same name in every process. */
  name: string;
}

/**
 * `prepared((db, id: string) => db.selectFrom('notes').select(columns).where('id', '=', id))`
 * returns `(db, id) => rows`. The builder must use its arguments only as values (not to choose
 * tables, columns or which clauses to add), and take exactly the arguments it declares (no
 * defaults). Name the columns rather than `selectAll()`: Postgres refuses to run a prepared
 * `select *` once a migration adds a column ("cached plan must not change result type") until the
 * process restarts.
 */
export function prepared<D extends Db, A extends unknown[], R>(
  build: (db: D, ...args: A) => Compilable<R>,
): (db: D, ...args: A) => Promise<R[]> {
  const arity = build.length - 1;
  // Keyed by the dialect adapter: a Kysely instance and its transactions share one.
  const compiledBy = new WeakMap<object, Compiled<R>>();
  function compile(db: D): Compiled<R> {
    const slots = Array.from({ length: arity }, (_, index) => new Slot(index));
    const query = build(db, ...(slots as A)).compile();
    const used = new Set(query.parameters.filter((value) => value instanceof Slot));
    if (used.size !== arity) throw new Error(`prepared query: ${used.size} of its ${arity} arguments reach the SQL`);
    if (/\bselect\s+(?:\S+\.)?\*/i.test(query.sql)) throw new Error('prepared query: name its columns, not *');
    const sources = query.parameters.map((value) => (value instanceof Slot ? { arg: value.index } : { value }));
    const name = `p_${createHash('sha256').update(query.sql).digest('hex').slice(0, 16)}`;
    return { query, sources, name };
  }
  return async (db, ...args) => {
    const executor = db.getExecutor();
    let compiled = compiledBy.get(executor.adapter);
    if (!compiled) compiledBy.set(executor.adapter, (compiled = compile(db)));
    const { query, sources, name } = compiled;
    const parameters = sources.map((source) => ('arg' in source ? args[source.arg] : source.value));
    const direct = executor.plugins.length === 0 ? directQueryOf(db) : undefined;
    if (direct) return (await direct(query.sql, parameters, name)) as R[];
    const { rows } = await db.executeQuery<R>({ ...query, parameters, queryId: createQueryId() });
    return rows;
  };
}
