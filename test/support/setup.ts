// jest swaps `console` for its own, which @oclif/core's ux.stdout writes through; give oclif a
// real Console so captureOutput (which patches process.stdout/stderr) sees command output.
import { Console } from 'node:console';

globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr });
