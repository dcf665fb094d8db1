import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { helperError } from '../../../src/render/helper.js';

describe('render helper errors', () => {
  it('maps the JSON error on stderr to a MooringError with code, subject and hint', () => {
    const error = helperError(
      'some warning\n{"code":"UNSAFE_INPUT","message":"\\"/etc/passwd\\" is an absolute path","file":"app/main.jsonnet","hint":"stay inside"}\n',
    );
    assert.ok(error instanceof MooringError);
    assert.equal(error.code, 'UNSAFE_INPUT');
    assert.equal(error.message, '"/etc/passwd" is an absolute path');
    assert.equal(error.subject, 'app/main.jsonnet');
    assert.equal(error.hint, 'stay inside');
    assert.equal(error.step, 'render');
  });

  it('turns an unknown code into RENDER_FAILED and ignores stderr that is not its JSON', () => {
    assert.equal(helperError('{"code":"ANYTHING","message":"m"}')?.code, 'RENDER_FAILED');
    assert.equal(helperError('panic: boom'), undefined);
    assert.equal(helperError('{"message": 3}'), undefined);
  });
});
