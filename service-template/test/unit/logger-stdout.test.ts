// The logger's own stdout: lines are written a few at a time, but none waits long or is lost at exit.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a script that logs through createLogger; resolves with each stdout chunk's lines and when it arrived. */
function run(script: string) {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const chunks: Array<{ ms: number; lines: string[] }> = [];
  child.stdout.on('data', (chunk: Buffer) =>
    chunks.push({ ms: Date.now() - started, lines: chunk.toString().trim().split('\n') }),
  );
  return new Promise<{ chunks: typeof chunks; stderr: string }>((resolve) =>
    child.on('close', () => resolve({ chunks, stderr })),
  );
}

// Counts the write calls to stdout (sonic-boom calls fs.writeSync), reported on stderr at exit.
const logger = `import fs from 'node:fs';
let writes = 0;
const writeSync = fs.writeSync;
fs.writeSync = (fd, ...rest) => { if (fd === 1) writes++; return writeSync(fd, ...rest); };
const { createLogger } = await import('./src/logger.ts');
process.on('exit', () => writeSync(2, 'writes=' + writes));
const log = createLogger({ logLevel: 'info', env: 'test', service: { name: 's', version: '1' } });`;

describe('logger on stdout', () => {
  it('writes many lines in a few writes, and the rest when the process exits', async () => {
    const { chunks, stderr } = await run(`${logger}
for (let i = 0; i < 500; i++) log.info({ i }, 'line');
process.exit(0);`);
    const lines = chunks.flatMap((chunk) => chunk.lines).map((line) => JSON.parse(line).i);
    expect(lines).toEqual(Array.from({ length: 500 }, (_, i) => i));
    const writes = Number(/writes=(\d+)/.exec(stderr)?.[1]);
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThan(50); // one write per line would be 500
  });

  it('writes a lone line within a second while the process runs on', async () => {
    const { chunks } = await run(`${logger}
log.info('alone');
setTimeout(() => log.info('last'), 2500);`);
    expect(chunks.flatMap((chunk) => chunk.lines).map((line) => JSON.parse(line).msg)).toEqual(['alone', 'last']);
    const alone = chunks.find((chunk) => chunk.lines.some((line) => line.includes('"alone"')))!;
    const last = chunks.find((chunk) => chunk.lines.some((line) => line.includes('"last"')))!;
    expect(last.ms - alone.ms).toBeGreaterThan(1500); // "alone" did not wait for the exit
  });
});
