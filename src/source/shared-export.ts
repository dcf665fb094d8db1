/**
 * Exports shared by the syncs that need the same commit at the same time: the first to ask exports the
 * tree, the others use that same directory, and the last to release it removes it. A fleet of apps on one
 * repository then spawns `git archive` and `tar` once per commit and burst instead of once per app.
 *
 * Sharing is safe because nothing writes into an export: renderers read the checkout through a read-only
 * view, and the tools they run work in a directory of their own (render/sandbox.ts, render/helper.ts).
 */
import { join } from 'node:path';

import type { ExportedTree, ResolvedSource } from './types.js';

type Exporter = (source: ResolvedSource) => Promise<ExportedTree>;

export class SharedExports {
  private readonly trees = new Map<string, { tree: Promise<ExportedTree>; users: number }>();

  constructor(private readonly exportTree: Exporter) {}

  /** How many exports are held now (for tests). */
  get held(): number {
    return this.trees.size;
  }

  /** The tree of `source`'s commit, exported or shared; `release()` once the render is done. */
  async acquire(source: ResolvedSource): Promise<ExportedTree> {
    const key = JSON.stringify([source.mirrorDir, source.commit.sha]);
    let entry = this.trees.get(key);
    if (entry === undefined) {
      const created = { tree: this.exportTree(source), users: 0 };
      this.trees.set(key, created);
      // A failed export is not kept: the next sync tries again.
      created.tree.catch(() => {
        if (this.trees.get(key) === created) this.trees.delete(key);
      });
      entry = created;
    }
    const shared = entry;
    shared.users += 1;
    let tree: ExportedTree;
    try {
      tree = await shared.tree;
    } catch (error) {
      shared.users -= 1;
      throw error;
    }
    let released = false;
    return {
      root: tree.root,
      appDir: source.path === '' ? tree.root : join(tree.root, source.path),
      release: async () => {
        if (released) return;
        released = true;
        shared.users -= 1;
        if (shared.users > 0) return;
        if (this.trees.get(key) === shared) this.trees.delete(key);
        await tree.release();
      },
    };
  }
}
