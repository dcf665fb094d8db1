/**
 * No credential is ever echoed: every URL form that can carry one, through every function that turns a
 * URL or git's output into text (displayURL, validateRepoURL's errors, scrubSecrets, GitCommandError).
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';

import { scrubSecrets } from '../../../src/source/git-env.js';
import { GitCommandError } from '../../../src/source/git-run.js';
import { fetchFailure } from '../../../src/source/source-errors.js';
import { displayURL, isFileRepoURL, validateRepoURL } from '../../../src/source/validate.js';

/** [url carrying a credential, what may be shown]: the secret parts are "pa55" and "t0ken". */
const FORMS: [string, string][] = [
  ['https://robot:pa55@git.example.com/org/r.git', 'https://git.example.com/org/r.git'],
  ['http://robot:pa55@127.0.0.1:8080/r.git', 'http://127.0.0.1:8080/r.git'],
  ['https://t0ken@git.example.com/org/r.git', 'https://git.example.com/org/r.git'],
  ['ssh://robot:pa55@git.example.com:2222/org/r.git', 'ssh://git.example.com:2222/org/r.git'],
  ['robot:pa55@git.example.com:org/r.git', 'git.example.com:org/r.git'],
  ['robot:pa55@git.example.com:org/a@b', 'git.example.com:org/a@b'],
  ['https://robot:pa%2555%40x@git.example.com/r.git', 'https://git.example.com/r.git'],
  ['https://robot:pa55@t0ken@git.example.com/r.git', 'https://git.example.com/r.git'],
  ['https://robot@corp:pa55@git.example.com/r.git', 'https://git.example.com/r.git'],
  ['https://robot:pa/55@git.example.com/r.git', 'https://***@git.example.com/r.git'],
  ['https://robot:pa55@git.example.com?x=1', 'https://git.example.com?x=1'],
  ['HTTPS://robot:pa55@git.example.com/r.git', 'HTTPS://git.example.com/r.git'],
  ['robot:pa/55@git.example.com:org/r.git', 'git.example.com:org/r.git'],
];
const leaks = (text: string): boolean => /pa55|pa%2555|t0ken|pa\/55/.test(text);

describe('displayURL never shows user info', () => {
  for (const [url, shown] of FORMS)
    it(`${url} -> ${shown}`, () => {
      assert.equal(displayURL(url), shown);
      assert.ok(!leaks(displayURL(url)));
    });

  it('keeps what is not user info', () => {
    assert.equal(displayURL('https://host:8443/org/r@v1'), 'https://host:8443/org/r@v1');
    assert.equal(displayURL('git.example.com:org/r.git'), 'git.example.com:org/r.git');
    assert.equal(displayURL('https://[::1]:8080/r.git'), 'https://[::1]:8080/r.git');
  });
});

describe('validateRepoURL refuses passwords in any form, without repeating them', () => {
  for (const [url] of FORMS.filter(([u]) => !u.startsWith('https://t0ken')))
    it(`refuses ${url}`, () => {
      assert.throws(
        () => {
          validateRepoURL(url);
        },
        (error: unknown) =>
          error instanceof Error &&
          !leaks(inspect(error, { depth: null })) &&
          error.message.includes('refusing'),
      );
    });
});

describe('scrubSecrets removes user info from git output', () => {
  for (const [url] of FORMS)
    it(`scrubs ${url} quoted in stderr`, () => {
      const text = `fatal: unable to access '${url}': The requested URL returned error: 403\nfatal: could not read from ${url}`;
      const scrubbed = scrubSecrets(text, []);
      assert.ok(!leaks(scrubbed), scrubbed);
    });

  it('scrubs known secrets in their percent-encoded form too', () => {
    assert.equal(scrubSecrets('x p%40ss y p@ss', ['p@ss']), 'x *** y ***');
  });

  it('leaves ordinary messages alone', () => {
    const text = "fatal: repository 'https://git.example.com/org/r.git/' not found";
    assert.equal(scrubSecrets(text, []), text);
    assert.equal(
      scrubSecrets('error: src refspec main does not match any', []),
      'error: src refspec main does not match any',
    );
  });
});

describe('errors built from a failed git call hold no credential', () => {
  it('GitCommandError keeps its arguments scrubbed, and fetchFailure wraps only scrubbed text', () => {
    const url = 'https://t0ken@git.example.com/org/r.git';
    const error = new GitCommandError(
      ['fetch', '--', url],
      scrubSecrets(`fatal: unable to access '${url}/': Could not resolve host: git.example.com`, []),
      128,
      false,
    );
    const failure = fetchFailure(error, displayURL(url), 60_000);
    const everything = inspect(failure, { depth: null });
    assert.ok(!leaks(everything), everything);
    assert.match(
      failure.message,
      /cannot fetch https:\/\/git\.example\.com\/org\/r\.git: the host name does not resolve/,
    );
  });
});

describe('isFileRepoURL', () => {
  it('is true for file:// in any case, false for everything else', () => {
    assert.equal(isFileRepoURL('file:///srv/git/r.git'), true);
    assert.equal(isFileRepoURL('FILE:///srv/git/r.git'), true);
    assert.equal(isFileRepoURL('https://host/file:///x'), false);
    assert.equal(isFileRepoURL('git@host:file'), false);
  });
});
