import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { accessLogWriter, createLogger, redactSecrets } from '../../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().trim().split('\n'));
      done();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it('writes JSON lines with service, version, process and an ISO time', () => {
    const { lines, stream } = capture();
    const log = createLogger(
      { logLevel: 'info', env: 'test', service: { name: 'little-service', version: '1.0.0' } },
      'worker',
      stream,
    );
    log.child({ reqId: 'r-1' }).info({ status: 200 }, 'request');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      level: 'info',
      service: 'little-service',
      version: '1.0.0',
      process: 'worker',
      reqId: 'r-1',
      status: 200,
      msg: 'request',
    });
    expect(new Date(entry.time).toISOString()).toBe(entry.time);
  });

  it("writes access lines exactly as pino's log.info would, at info level only", () => {
    const { lines, stream } = capture();
    const log = createLogger({ logLevel: 'info', env: 'test', service: { name: 's', version: 'v' } }, 'web', stream);
    const write = accessLogWriter(log);
    const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');
    for (const path of ['/v1/notes/0193a0b2-0c3e-7c4b', '/a "quoted" \\ path', '/ünï/çödé', '/x\u0001\u007f']) {
      lines.length = 0;
      const entry = { reqId: 'trace-42', method: 'GET', path, status: 200, ms: 3 };
      log.info(entry, 'request');
      write(entry);
      expect(lines).toHaveLength(2);
      expect(JSON.parse(lines[1]!)).toEqual({ ...JSON.parse(lines[0]!), time: expect.any(String) });
      expect(new Date(JSON.parse(lines[1]!).time).toISOString()).toBe(JSON.parse(lines[1]!).time);
      if (/^[\w/.-]+$/.test(path)) expect(withoutTime(lines[1]!)).toBe(withoutTime(lines[0]!));
    }
    lines.length = 0;
    log.level = 'warn';
    write({ reqId: 'r', method: 'GET', path: '/', status: 200, ms: 1 });
    expect(lines).toEqual([]);
  });

  it('redacts authorization headers, cookies, passwords, secrets and tokens', () => {
    const { lines, stream } = capture();
    const log = createLogger({ logLevel: 'info', env: 'test', service: { name: 's', version: 'v' } }, 'web', stream);
    log.info(
      {
        req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1', accept: 'json' } },
        password: 'hunter2',
        user: { password: 'pw-1', token: 'tok-1', secret: 'sec-1', name: 'kept' },
      },
      'x',
    );
    const text = lines.join('\n');
    for (const secret of ['abc.def.ghi', 'sid=1', 'hunter2', 'pw-1', 'tok-1', 'sec-1'])
      expect(text).not.toContain(secret);
    const entry = JSON.parse(lines[0]!);
    expect(entry.req.headers).toEqual({ authorization: '[redacted]', cookie: '[redacted]', accept: 'json' });
    expect(entry.user.name).toBe('kept');
  });

  it("redacts secrets in child bindings and deep objects, without changing the caller's object", () => {
    const { lines, stream } = capture();
    const log = createLogger({ logLevel: 'info', env: 'test', service: { name: 's', version: 'v' } }, 'web', stream);
    const entry = { call: { res: { headers: { 'Set-Cookie': 'sid=2', etag: '"1"' } } }, list: ['token'], n: 1 };
    log.child({ apiKey: 'lsk_1' }).info(entry, 'x');
    const text = lines.join('\n');
    expect(text).not.toContain('sid=2');
    expect(text).not.toContain('lsk_1');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      apiKey: '[redacted]',
      call: { res: { headers: { 'Set-Cookie': '[redacted]', etag: '"1"' } } },
      list: ['token'],
    });
    expect(entry.call.res.headers['Set-Cookie']).toBe('sid=2');
  });

  it('returns the same object when there is nothing to redact', () => {
    const entry = { method: 'GET', path: '/v1/notes', status: 200, nested: { ms: 1 } };
    expect(redactSecrets(entry)).toBe(entry);
  });
});
