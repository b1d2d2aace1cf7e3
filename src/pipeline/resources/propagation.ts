// A role just created takes seconds to be assumable: CodeBuild and CodePipeline reject it until
// then ("not authorized to perform sts:AssumeRole"). Retry those, and only those, a few times.
import type { PipelineContext } from '../types.js';

const NOT_YET =
  /not authorized to perform.*AssumeRole|cannot be assumed|unable to assume|role .* (is )?invalid/i;

export async function retryWhileRolePropagates<T>(ctx: PipelineContext, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const message = String((error as { message?: string }).message ?? error);
      if (attempt >= ctx.timing.retries || !NOT_YET.test(message)) throw error;
      await ctx.timing.sleep(ctx.timing.retryMs);
    }
  }
}
