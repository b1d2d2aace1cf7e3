// The baselines, with the koa (and pg) versions the template uses, resolved from
// service-template/node_modules:
//   PORT=... node bare-koa.mjs                     a bare Koa "hello" server
//   PORT=... DATABASE_URL=... node bare-koa.mjs    also GET /notes/:id: the note row read with
//       node-postgres (a pool like the template's) and sent as JSON, with no auth, validation,
//       logging or other middleware: the most a Koa process can do for that read on this machine.
import { createServer } from 'node:http';
import { templateModule } from './common.mjs';

const Koa = templateModule('koa');
const app = new Koa();
if (process.env.DATABASE_URL) {
  const pg = templateModule('pg');
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  app.use(async (ctx, next) => {
    const match = /^\/notes\/([\w-]+)$/.exec(ctx.path);
    if (!match) return next();
    const { rows } = await pool.query('select * from notes where id = $1', [match[1]]);
    if (!rows[0]) return next();
    ctx.body = rows[0];
  });
}
app.use((ctx) => {
  ctx.body = 'hello';
});
const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: server.address().port }));
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
