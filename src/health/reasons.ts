/**
 * Reading condition reasons and phases as words. Reasons are CamelCase identifiers ("ReconciliationFailed",
 * "ProgressDeadlineExceeded"): matching substrings calls a failure "in progress" because it contains
 * "progress". Instead the reason is split into whole words and each word is looked up in known lists; a
 * failure word wins over a progress word.
 */

/** Words that name a failure: the controller will not get there by itself. */
const FAILURE_WORDS = new Set([
  'fail',
  'failed',
  'failure',
  'failing',
  'error',
  'errored',
  'errors',
  'err',
  'exceeded',
  'invalid',
  'denied',
  'forbidden',
  'rejected',
  'conflict',
  'conflicted',
  'conflicting',
  'unauthorized',
  'unresolved',
  'backoff',
  'crashloopbackoff',
  'degraded',
  'unhealthy',
  'refused',
  'misconfigured',
  'aborted',
  'expired',
  'exception',
]);

/** Words that name work under way: the controller is still getting there. */
const PROGRESS_WORDS = new Set([
  'progressing',
  'pending',
  'waiting',
  'wait',
  'creating',
  'created',
  'issuing',
  'reconciling',
  'initializing',
  'initialising',
  'initialization',
  'provisioning',
  'updating',
  'upgrading',
  'installing',
  'deploying',
  'scaling',
  'starting',
  'requested',
  'scheduling',
  'promoting',
  'finalising',
  'finalizing',
  'deleting',
  'terminating',
  'restarting',
  'rolling',
  'inprogress',
]);

/** Word sequences that mean work under way although no single word does ("DependencyNotReady", "InProgress"). */
const PROGRESS_PHRASES = ['in progress', 'not ready', 'dependency not', 'not yet', 'does not exist'];

/** "ReconciliationFailed" → ["reconciliation", "failed"]; "HTTP_ERROR" → ["http", "error"]. */
export function wordsOf(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word.toLowerCase());
}

/** True when one whole word of the reason names a failure. */
export function isFailureReason(reason: string): boolean {
  return wordsOf(reason).some((word) => FAILURE_WORDS.has(word));
}

/** True when the reason names work under way and no word of it names a failure. */
export function isProgressReason(reason: string): boolean {
  const words = wordsOf(reason);
  if (words.some((word) => FAILURE_WORDS.has(word))) return false;
  if (words.some((word) => PROGRESS_WORDS.has(word))) return true;
  const phrase = words.join(' ');
  return PROGRESS_PHRASES.some((known) => phrase.includes(known));
}

/** What a `status.phase` / `status.state` value says, by convention. Undefined: the value is not a known one. */
export type PhaseVerdict = 'failed' | 'working' | 'done';

const FAILED_PHASES = new Set([
  'failed',
  'error',
  'errored',
  'failure',
  'degraded',
  'unhealthy',
  'crashloopbackoff',
]);
const WORKING_PHASES = new Set([
  'pending',
  'running',
  'progressing',
  'provisioning',
  'creating',
  'updating',
  'upgrading',
  'deploying',
  'installing',
  'initializing',
  'initialising',
  'inprogress',
  'reconciling',
  'scaling',
  'starting',
  'waiting',
  'new',
]);
const DONE_PHASES = new Set([
  'succeeded',
  'successful',
  'success',
  'completed',
  'complete',
  'ready',
  'active',
  'available',
  'healthy',
  'bound',
  'established',
  'deployed',
  'provisioned',
  'synced',
  'ok',
]);

/** Classifies a phase or state value, case- and separator-insensitively ("In Progress", "IN_PROGRESS"). */
export function phaseVerdict(value: string): PhaseVerdict | undefined {
  const key = value.toLowerCase().replace(/[^a-z]/g, '');
  if (FAILED_PHASES.has(key)) return 'failed';
  if (WORKING_PHASES.has(key)) return 'working';
  if (DONE_PHASES.has(key)) return 'done';
  return undefined;
}
