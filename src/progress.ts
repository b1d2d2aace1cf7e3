// A small wrapper over listr2 (imported lazily: ~90 ms) so every command shows progress the same
// way: the animated renderer on a terminal, plain lines in CI or when piped, nothing under --json.
import { isCI } from './ui.js';

export type RendererName = 'default' | 'simple' | 'silent' | 'test';

export interface RendererInputs {
  json: boolean;
  isTTY: boolean | undefined;
  ci: boolean;
  /** Forces listr2's `test` renderer (one line per event) for tests. */
  test?: boolean;
}

export function chooseRenderer({ json, isTTY, ci, test }: RendererInputs): RendererName {
  if (json) return 'silent';
  if (test) return 'test';
  return isTTY && !ci ? 'default' : 'simple';
}

/** What a step's function gets to report with. */
export interface StepContext {
  /** Replace the step's title (e.g. add a count). */
  title(text: string): void;
  /** One line of detail under the step (the last one stays visible on a terminal). */
  output(line: string): void;
  /** Aborted on Ctrl-C (by the caller) so long steps can stop early. */
  signal: AbortSignal;
}

export interface Step {
  title: string;
  /** Return a reason string (or true) to show the step as skipped. */
  skip?: () => boolean | string;
  run: (step: StepContext) => Promise<void>;
}

export interface ProgressOptions extends Omit<RendererInputs, 'isTTY' | 'ci'> {
  isTTY?: boolean;
  ci?: boolean;
  signal?: AbortSignal;
  /** Where the renderer writes; defaults to the process streams. */
  stdout?: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
}

/** Run the steps in order; the first failure stops the run and is rethrown unchanged. */
export async function runSteps(steps: Step[], opts: ProgressOptions): Promise<void> {
  const { Listr, ListrLogger, ProcessOutput, PRESET_TIMER } = await import('listr2');
  const renderer = chooseRenderer({
    json: opts.json,
    test: opts.test,
    isTTY: opts.isTTY ?? process.stdout.isTTY,
    ci: opts.ci ?? isCI(process.env),
  });
  const signal = opts.signal ?? new AbortController().signal;
  // Progress, failed steps included, goes to stdout: stderr is for the command's own error message.
  const logger = new ListrLogger({
    useIcons: renderer !== 'test',
    toStderr: [],
    processOutput: new ProcessOutput(
      opts.stdout as NodeJS.WriteStream | undefined,
      opts.stderr as NodeJS.WriteStream | undefined,
    ),
  });
  const rendererOptions = {
    ...(renderer === 'default' || renderer === 'simple' ? { timer: PRESET_TIMER } : {}),
    // Keep a skipped step's title on screen, with the reason next to it.
    ...(renderer === 'default' ? { collapseSkips: false } : {}),
    logger,
  };
  const list = new Listr(
    steps.map((s) => ({
      title: s.title,
      skip: s.skip,
      task: async (_ctx: unknown, task: { title: string; output: string }) => {
        await s.run({
          title: (text) => {
            task.title = text;
          },
          output: (line) => {
            task.output = line;
          },
          signal,
        });
      },
    })),
    {
      renderer,
      // We decide; listr2 must not fall back on its own (it checks process.stdout.isTTY).
      fallbackRenderer: renderer,
      // Ctrl-C belongs to the command (it cleans up); listr2 would otherwise exit(127).
      registerSignalListeners: false,
      exitOnError: true,
      collectErrors: false,
      rendererOptions,
      fallbackRendererOptions: rendererOptions,
    },
  );
  await list.run();
}
