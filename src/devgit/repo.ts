import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

import { MooringError } from '../core/errors.js';
import { git } from './git-cli.js';

/**
 * A working repository with a bare "origin" beside it: the shape of a Git host's repository and a
 * developer's clone. Used by tests and the local demo to publish commits, tags and branches.
 */
export class WorkingRepo {
  private constructor(
    /** The working tree. */
    readonly dir: string,
    /** The bare repository that `push` publishes to (serve this). */
    readonly bareDir: string,
  ) {}

  /**
   * Creates `<root>/<name>.git` (bare) and `<root>/<name>` (working tree) from the files of `fixtureDir`
   * (if given), commits them on `main` and pushes.
   */
  static async create(root: string, name: string, fixtureDir?: string): Promise<WorkingRepo> {
    const bareDir = join(root, `${name}.git`);
    const dir = join(root, name);
    await mkdir(root, { recursive: true });
    await git(root, ['init', '--quiet', '--bare', '--initial-branch=main', bareDir]);
    await git(root, ['init', '--quiet', '--initial-branch=main', dir]);
    await git(dir, ['remote', 'add', 'origin', bareDir]);
    const repo = new WorkingRepo(dir, bareDir);
    if (fixtureDir !== undefined) await cp(fixtureDir, dir, { recursive: true });
    await repo.commit('initial commit', { allowEmpty: true });
    await repo.push('main');
    return repo;
  }

  /** file:// URL of the bare repository. */
  get fileUrl(): string {
    return `file://${this.bareDir}`;
  }

  private confined(path: string): string {
    const full = resolve(this.dir, path);
    if (!full.startsWith(this.dir + sep))
      throw new MooringError('INVALID_ARGUMENT', `path escapes the repository: ${path}`);
    return full;
  }

  async writeFile(path: string, content: string): Promise<void> {
    const full = this.confined(path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }

  async remove(path: string): Promise<void> {
    await rm(this.confined(path), { recursive: true, force: true });
  }

  /** Stages everything and commits; returns the new commit's sha. */
  async commit(message: string, options: { allowEmpty?: boolean } = {}): Promise<string> {
    await git(this.dir, ['add', '--all']);
    await git(this.dir, [
      'commit',
      '--quiet',
      '--message',
      message,
      ...(options.allowEmpty === true ? ['--allow-empty'] : []),
    ]);
    return this.head();
  }

  async head(): Promise<string> {
    return git(this.dir, ['rev-parse', 'HEAD']);
  }

  /** Annotated tag at HEAD (or `target`). */
  async tag(name: string, target = 'HEAD'): Promise<void> {
    await git(this.dir, ['tag', '--annotate', '--message', name, refName(name), refName(target)]);
  }

  /** Creates (or resets) `name` at HEAD and checks it out. */
  async branch(name: string): Promise<void> {
    await git(this.dir, ['checkout', '--quiet', '-B', refName(name)]);
  }

  async checkout(ref: string): Promise<void> {
    await git(this.dir, ['checkout', '--quiet', refName(ref), '--']);
  }

  /** Pushes refs (branches by default, and all tags) to origin. */
  async push(...refs: string[]): Promise<void> {
    await git(this.dir, [
      'push',
      '--quiet',
      '--force',
      'origin',
      ...(refs.length > 0 ? refs.map(refName) : ['--all']),
    ]);
    await git(this.dir, ['push', '--quiet', '--force', 'origin', '--tags']);
  }
}

/** Refuses a ref that git would read as an option. */
function refName(ref: string): string {
  if (ref.startsWith('-') || ref.length === 0)
    throw new MooringError('INVALID_ARGUMENT', `invalid ref name "${ref}"`);
  return ref;
}
