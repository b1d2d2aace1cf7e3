// The log prefixer ("web    | ..."), line splitting and time ordering of `lsvc dev` / `dev logs`.
import { describe, expect, it } from '@jest/globals';

import { demuxBuffer } from '../../src/dev/containers.js';
import { lineSplitter, makePrefixer, splitTimestamp, stripAnsi } from '../../src/dev/logs.js';

describe('makePrefixer', () => {
  it('aligns service names and keeps lines plain without colour (ANSI from the container removed)', () => {
    const prefix = makePrefixer(['web', 'worker', 'postgres'], false);
    expect(prefix('web', 'listening')).toBe('web      | listening');
    expect(prefix('postgres', 'ready')).toBe('postgres | ready');
    expect(prefix('worker', '\u001b[32mINFO\u001b[39m job done')).toBe('worker   | INFO job done');
  });

  it('colours each service differently with colour on, and only the prefix', () => {
    const prefix = makePrefixer(['web', 'worker'], true);
    const web = prefix('web', 'a');
    const worker = prefix('worker', 'a');
    // eslint-disable-next-line no-control-regex
    expect(web).toMatch(/^\u001b\[\d+mweb {4}\|\u001b\[\d+m a$/);
    expect(stripAnsi(web)).toBe('web    | a');
    expect(stripAnsi(worker)).toBe('worker | a');
    expect(web.slice(0, 5)).not.toBe(worker.slice(0, 5));
  });
});

describe('lineSplitter', () => {
  it('joins lines split across chunks and keeps the last partial line until flushed', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('one\r\ntw');
    s.push('o\n\nthr');
    expect(lines).toEqual(['one', 'two', '']);
    s.flush();
    expect(lines).toEqual(['one', 'two', '', 'thr']);
    s.flush();
    expect(lines).toHaveLength(4);
  });
});

describe('splitTimestamp', () => {
  it('takes Docker timestamps off and gives a key that sorts by time', () => {
    const a = splitTimestamp('2026-11-28T05:13:12.05Z web line');
    const b = splitTimestamp('2026-11-28T05:13:12.000000009Z earlier');
    expect(a.text).toBe('web line');
    expect(b.text).toBe('earlier');
    expect(b.key < a.key).toBe(true);
    expect(splitTimestamp('no timestamp')).toEqual({ key: '', text: 'no timestamp' });
  });
});

describe('demuxBuffer', () => {
  it("reads Docker's multiplexed frames (stdout and stderr) in order", () => {
    const frame = (stream: number, text: string) => {
      const payload = Buffer.from(text);
      const header = Buffer.alloc(8);
      header.writeUInt8(stream, 0);
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    expect(demuxBuffer(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more')]))).toBe(
      'out\nerr\nmore',
    );
  });
});
