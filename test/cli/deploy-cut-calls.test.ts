// A rollout whose AWS read is cut short by the client factory (src/aws/clients.ts): at the
// --timeout deadline (DeadlineError) it ends as timed out, and by the first signal as an
// interruption that still aborts the update. Scripted EB (aws-sdk-client-mock + VirtualClock).
import { AbortEnvironmentUpdateCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from '@jest/globals';

import { DeadlineError } from '../../src/aws/clients.js';
import { deploy, type DeployOptions } from '../../src/deploy/deploy.js';
import { resultOf } from '../../src/deploy/result.js';
import { InterruptedError, LsvcError } from '../../src/errors.js';
import { ENV, FakeEb, NAMES, recordedOutcomes, REPOSITORY_URI, TIMINGS } from './deploy-fakes.js';

const options: DeployOptions = {
  names: NAMES,
  envName: ENV,
  version: 'v2',
  description: 'git 0123456789abcdef0123456789abcdef01234567 · Ann · Add notes search',
  repositoryUri: REPOSITORY_URI,
  dirty: false,
  rollback: true,
  detach: false,
  timings: TIMINGS,
};

async function failure(run: Promise<unknown>): Promise<LsvcError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof LsvcError) return error;
    throw error;
  }
  throw new Error('expected the deploy to fail');
}

/** Deps whose first rollout event runs `then` (the update has started by then). */
function onFirstEvent(fake: FakeEb, then: () => void) {
  const reporter = fake.reporter;
  let done = false;
  return fake.deps({
    reporter: {
      ...reporter,
      event: (e) => {
        reporter.event(e);
        if (done) return;
        done = true;
        then();
      },
    },
  });
}

describe('a read cut short during the rollout', () => {
  it('by the --timeout deadline: exit 7 with its result, recorded timed-out, not a crash', async () => {
    const fake = new FakeEb();
    const deadlines: number[] = [];
    const deps = onFirstEvent(fake, () => {
      fake.onceThen('DescribeEnvironments', () => {
        throw new DeadlineError('Timed out: Elastic Beanstalk had not answered DescribeEnvironments.');
      });
    });
    const err = await failure(
      deploy(
        {
          ...deps,
          onDeadline: (at) => {
            deadlines.push(at);
          },
        },
        options,
      ),
    );
    expect(err.exitCode).toBe(7);
    expect(err.message).toMatch(
      /^Timed out after .+ waiting for demo-staging to be healthy on v2; the update/,
    );
    expect(resultOf(err)?.outcome).toBe('timeout');
    expect(recordedOutcomes(fake.objects)).toEqual(['v2 timed-out']);
    // The clients are told each wait's deadline: the version's processing, then the rollout.
    expect(deadlines).toHaveLength(2);
    expect(deadlines[1]).toBeGreaterThanOrEqual(deadlines[0] ?? Infinity);
  });

  it('by the first signal: still aborts the update and says where it stands', async () => {
    const fake = new FakeEb();
    const deps = onFirstEvent(fake, () => {
      // The next read is in flight when the signal comes: the client ends it at once.
      fake.onceThen('DescribeEnvironments', () => {
        fake.interrupt.abort();
        throw new InterruptedError();
      });
    });
    const err = await failure(deploy(deps, options));
    expect(err.exitCode).toBe(130);
    expect(fake.ebMock.commandCalls(AbortEnvironmentUpdateCommand)).toHaveLength(1);
    expect(err.message).toMatch(/^Deploy interrupted: the update was aborted; demo-staging runs /);
    expect(resultOf(err)?.outcome).toBe('aborted');
  });

  it('by AWS going out of reach after the update started: exit 5, says the update may still run', async () => {
    const fake = new FakeEb();
    const deps = onFirstEvent(fake, () => {
      fake.onceThen('DescribeEnvironments', () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      });
    });
    const err = await failure(deploy(deps, options));
    expect(err.exitCode).toBe(5);
    expect(err.message).toMatch(/connection refused/);
    expect(err.message).toMatch(/The update of demo-staging to v2 had started and may still be running\.$/);
    expect(err.hint).toContain('lsvc status --env staging --watch');
    expect(err.message).not.toMatch(/bug/i);
    expect(resultOf(err)?.outcome).toBe('interrupted');
    expect(recordedOutcomes(fake.objects)).toEqual(['v2 interrupted']);
    expect(fake.ebMock.commandCalls(AbortEnvironmentUpdateCommand)).toHaveLength(0);
  });
});
