import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseServiceAccountArg } from '../../../src/cli/commands/engine-options.js';
import { MooringError } from '../../../src/core/errors.js';

describe('--as NAMESPACE/NAME', () => {
  it('reads a ServiceAccount', () => {
    assert.deepEqual(parseServiceAccountArg('team-a/deployer'), { namespace: 'team-a', name: 'deployer' });
  });

  for (const value of ['deployer', 'team-a/', '/deployer', 'a/b/c', 'Team/deployer', 'system:masters'])
    it(`refuses "${value}"`, () => {
      assert.throws(
        () => parseServiceAccountArg(value),
        (error: unknown) => error instanceof MooringError && error.code === 'INVALID_ARGUMENT',
      );
    });
});
