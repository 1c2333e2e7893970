// The one place that decides what a data-plane suite does on a machine that cannot run it.
// Skipped tests are not allowed, so an unusable machine gets a single stand-in test instead.
import { describe, test } from 'vitest';
import { dataplaneAvailable, type Availability } from './world.js';

/** What an unavailable data plane means: a warning on a workstation, a failure under CI=true. */
export function unavailableVerdict(availability: Availability, env: NodeJS.ProcessEnv): 'run' | 'warn' | 'fail' {
  if (availability.ok) return 'run';
  return env.CI === 'true' ? 'fail' : 'warn';
}

/** Registers `body` as a describe block when the data plane is usable, else one passing (or, in CI, failing) stand-in test. */
export async function describeDataplane(title: string, body: () => void): Promise<void> {
  const availability = await dataplaneAvailable();
  const verdict = unavailableVerdict(availability, process.env);
  if (verdict === 'run') {
    describe(title, body);
    return;
  }
  const reason = availability.ok ? '' : availability.reason;
  test(`${title} (real kernel data plane unavailable)`, () => {
    const message = `real-kernel data-plane tests did not run: ${reason}`;
    if (verdict === 'fail') throw new Error(`${message} (CI=true requires them)`);
    console.warn(message);
  });
}
