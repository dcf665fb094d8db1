import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { normalizeRepoURL, sameRepo } from '../../../src/controller/webhook/repo-url.js';

describe('normalizeRepoURL', () => {
  const cases: [string, string][] = [
    ['https://github.com/Org/Repo', 'github.com/Org/Repo'],
    ['https://github.com/Org/Repo.git', 'github.com/Org/Repo'],
    ['https://GitHub.COM/Org/Repo.git/', 'github.com/Org/Repo'],
    ['git@github.com:Org/Repo.git', 'github.com/Org/Repo'],
    ['github.com:Org/Repo.git', 'github.com/Org/Repo'],
    ['ssh://git@github.com/Org/Repo.git', 'github.com/Org/Repo'],
    ['ssh://git@github.com:22/Org/Repo.git', 'github.com/Org/Repo'],
    ['https://user:s3cret@github.com/Org/Repo.git', 'github.com/Org/Repo'],
    ['https://github.com:443/Org/Repo?x=1#frag', 'github.com/Org/Repo'],
    ['http://git.example.com:8080/team/sub/config.git', 'git.example.com:8080/team/sub/config'],
    ['ssh://git@git.example.com:2222/ops/deploy.git', 'git.example.com:2222/ops/deploy'],
    ['  https://gitlab.example.com/platform/config.git  ', 'gitlab.example.com/platform/config'],
    ['file:///srv/repos/config.git', 'file:///srv/repos/config'],
    ['https://example.com/my.git.repo.git', 'example.com/my.git.repo'],
  ];
  for (const [url, expected] of cases)
    it(`normalizes ${url}`, () => {
      assert.equal(normalizeRepoURL(url), expected);
    });

  it('never keeps credentials', () => {
    assert.doesNotMatch(normalizeRepoURL('https://oauth2:glpat-abc@gitlab.com/a/b.git'), /glpat|oauth2|@/);
  });
});

describe('sameRepo', () => {
  const forms = [
    'https://github.com/Org/Repo',
    'https://github.com/org/repo.git',
    'git@github.com:ORG/Repo.git',
    'ssh://git@github.com/Org/Repo.git',
  ];
  for (const form of forms)
    it(`matches ${form} with the https clone URL (GitHub names ignore case)`, () => {
      assert.equal(sameRepo(form, 'https://github.com/Org/Repo.git'), true);
    });

  it('ignores path case on gitlab.com and bitbucket.org too', () => {
    assert.equal(sameRepo('https://gitlab.com/Group/Proj.git', 'git@gitlab.com:group/proj.git'), true);
    assert.equal(sameRepo('https://bitbucket.org/Team/Repo', 'git@bitbucket.org:team/repo.git'), true);
  });

  it('keeps path case on other hosts', () => {
    assert.equal(
      sameRepo('https://git.example.com/Org/Repo.git', 'https://git.example.com/org/repo.git'),
      false,
    );
    assert.equal(sameRepo('https://git.example.com/Org/Repo.git', 'git@git.example.com:Org/Repo.git'), true);
  });

  it('tells different repositories, hosts and ports apart', () => {
    assert.equal(sameRepo('https://github.com/org/repo', 'https://github.com/org/repo2'), false);
    assert.equal(sameRepo('https://github.com/org/repo', 'https://gitlab.com/org/repo'), false);
    assert.equal(sameRepo('https://github.com/org/repo', 'https://github.com/org/repo/sub'), false);
    assert.equal(sameRepo('http://h:8080/a/b', 'http://h:9090/a/b'), false);
  });
});
