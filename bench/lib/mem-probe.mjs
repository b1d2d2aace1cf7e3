// Preloaded into a server under test (`node --import ./mem-probe.mjs ...`): on SIGUSR2 it writes
// process.memoryUsage() and V8's heap spaces to $BENCH_MEM_FILE, first as they are, then after a
// full garbage collection (the live heap). No timers, no work until the signal arrives.
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const file = process.env.BENCH_MEM_FILE;
if (file) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const spaces = () =>
    Object.fromEntries(
      getHeapSpaceStatistics().map((space) => [
        space.space_name,
        { size: space.space_size, used: space.space_used_size },
      ]),
    );
  process.on('SIGUSR2', () => {
    const before = { ...process.memoryUsage(), spaces: spaces() };
    gc();
    const after = { ...process.memoryUsage(), spaces: spaces() };
    writeFileSync(file, JSON.stringify({ pid: process.pid, at: Date.now(), before, after }));
  });
}
