/**
 * Proof that the controller is live before a test checks that something did *not* happen: a neighbour app
 * polled at the same interval has picked up several new commits, one after another, so every other app's
 * poll timer has fired since (each neighbour commit is seen only after the previous one, a full poll apart).
 */
import type { ControllerHarness } from './harness.js';
import { configMap, readyAt } from './harness.js';

const NEIGHBOUR_FOLDER = 'neighbour';

/** Creates the neighbour app (in its own folder, polled every `interval`) and waits until it is Ready. */
export async function startNeighbour(h: ControllerHarness, interval: string): Promise<string> {
  const name = h.uniqueName('neighbour');
  const sha = await h.publish({ 'cm.yaml': [configMap(`${name}-cm`, { count: '0' })] }, NEIGHBOUR_FOLDER);
  await h.createApp(name, { interval }, NEIGHBOUR_FOLDER);
  await h.waitForApp(name, 'the neighbour Ready', readyAt(sha));
  return name;
}

/**
 * Publishes `polls` commits to the neighbour, each after the last was applied by a poll; returns the last
 * commit (the branch head now, so what any other app of the repository syncs next).
 */
export async function neighbourPolled(h: ControllerHarness, neighbour: string, polls = 3): Promise<string> {
  let sha = '';
  for (let n = 1; n <= polls; n += 1) {
    sha = await h.publish(
      { 'cm.yaml': [configMap(`${neighbour}-cm`, { count: String(n) })] },
      NEIGHBOUR_FOLDER,
    );
    await h.waitForApp(neighbour, `the neighbour at its commit ${n}`, readyAt(sha));
  }
  return sha;
}
