// Reads the classic builder's JSON event stream (what the Engine API's /build sends): which step
// runs, whether it came from the layer cache, the image id, and the error, which the stream
// carries as an event rather than as a failed request (FACTS.md: followProgress does not fail).

export interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string };
}

export interface BuildStep {
  /** 1-based, as the builder counts. */
  index: number;
  total: number;
  instruction: string;
  cached: boolean;
  /** Output lines of the step (command output for RUN), kept for error messages. */
  output: string[];
}

export interface BuildSummary {
  steps: BuildStep[];
  cachedSteps: number;
  cacheableSteps: number;
  imageId: string | undefined;
  error: string | undefined;
  /** The step that was running when the error came. */
  failedStep: BuildStep | undefined;
}

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
const MAX_STEP_OUTPUT = 200;

/** Feed it every event; `summary()` says what happened; `onStep` hears each new step. */
export class BuildTracker {
  private readonly steps: BuildStep[] = [];
  private imageId: string | undefined;
  private error: string | undefined;
  private failedStep: BuildStep | undefined;
  private partial = '';

  private readonly onLine: ((line: string, step: BuildStep | undefined) => void) | undefined;

  constructor(onLine?: (line: string, step: BuildStep | undefined) => void) {
    this.onLine = onLine;
  }

  push(event: BuildEvent): void {
    if (event.aux?.ID) this.imageId = event.aux.ID;
    if (event.error !== undefined || event.errorDetail !== undefined) {
      this.flush();
      this.error ??= (event.errorDetail?.message ?? event.error ?? 'unknown build error').trim();
      this.failedStep ??= this.current();
      return;
    }
    const text = event.stream ?? (event.status ? `${event.status}\n` : '');
    if (!text) return;
    const parts = (this.partial + text).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.line(line);
  }

  /** Call at the end of the stream: the last line may lack its newline. */
  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  summary(): BuildSummary {
    this.flush();
    return {
      steps: [...this.steps],
      cachedSteps: this.steps.filter((s) => s.cached).length,
      // FROM starts a stage and is never "from the cache": count the steps that could be.
      cacheableSteps: this.steps.filter((s) => !/^FROM\s/i.test(s.instruction)).length,
      imageId: this.imageId ?? this.builtId(),
      error: this.error,
      failedStep: this.failedStep,
    };
  }

  private current(): BuildStep | undefined {
    return this.steps.at(-1);
  }

  private line(raw: string): void {
    const line = raw.trimEnd();
    if (!line.trim()) return;
    const step = STEP.exec(line);
    if (step) {
      this.steps.push({
        index: Number(step[1]),
        total: Number(step[2]),
        instruction: step[3] ?? '',
        cached: false,
        output: [],
      });
      this.onLine?.(line, this.current());
      return;
    }
    const current = this.current();
    if (current) {
      if (line.trim() === '---> Using cache') current.cached = true;
      // The builder's own bookkeeping (" ---> 1a2b3c", "Removing intermediate container") is noise.
      else if (!/^\s*---> /.test(line) && !line.startsWith('Removing intermediate container ')) {
        current.output.push(line);
        if (current.output.length > MAX_STEP_OUTPUT) current.output.shift();
      }
    }
    this.onLine?.(line, current);
  }

  /** "Successfully built 1a2b3c4d5e6f" (older engines send no aux ID). */
  private builtId(): string | undefined {
    for (const step of [...this.steps].reverse()) {
      for (const line of [...step.output].reverse()) {
        const built = /^Successfully built ([0-9a-f]+)$/.exec(line.trim());
        if (built) return built[1];
      }
    }
    return undefined;
  }
}

/** "Step 7/9 : RUN npm ci && rm -rf ~/.npm" -> the error's first line names it. */
export function describeFailedStep(summary: BuildSummary): string {
  const step = summary.failedStep;
  if (!step) return 'before the first step';
  return `at step ${step.index}/${step.total} (${truncate(step.instruction, 100)})`;
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
