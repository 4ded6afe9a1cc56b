import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { codeHash, workflowBundle } from '../../src/workers/workflow-bundle.ts';

/** A tiny project inside the checkout, so that webpack finds the Temporal SDK in node_modules. */
function project(): string {
  const parent = path.resolve(import.meta.dirname, '..', '..', 'test-artifacts');
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(path.join(parent, 'bundle-'));
  mkdirSync(path.join(root, 'src', 'workflows'), { recursive: true });
  writeFileSync(path.join(root, 'src', 'workflows', 'index.ts'), 'export async function a() {}\n');
  writeFileSync(path.join(root, 'package-lock.json'), '{}');
  return root;
}

describe('the cached workflow bundle', () => {
  it('is keyed by every source file and the lockfile', () => {
    const root = project();
    const first = codeHash(root);
    assert.equal(codeHash(root), first, 'the same code hashes the same');
    writeFileSync(path.join(root, 'src', 'helper.ts'), 'export const x = 1;\n');
    const withHelper = codeHash(root);
    assert.notEqual(withHelper, first, 'a new source file changes the key');
    writeFileSync(path.join(root, 'package-lock.json'), '{"sdk":"1.25"}');
    assert.notEqual(codeHash(root), withHelper, 'an SDK upgrade changes the key');
  });

  it('is reused when one for this code exists, without building', async () => {
    const root = project();
    const cacheDir = path.join(root, 'cache');
    mkdirSync(cacheDir);
    const cached = path.join(cacheDir, `workflow-bundle-${codeHash(root)}.js`);
    writeFileSync(cached, '// built before');
    // a workflows path that does not exist: building would throw
    assert.deepEqual(await workflowBundle(path.join(root, 'missing.ts'), undefined, { cacheDir, root }), { codePath: cached });
  });

  it('is built and stored when there is none', async () => {
    const root = project();
    const cacheDir = path.join(root, 'cache');
    const lines: string[] = [];
    const { codePath } = await workflowBundle(path.join(root, 'src', 'workflows', 'index.ts'), (line) => lines.push(line), { cacheDir, root });
    assert.equal(codePath, path.join(cacheDir, `workflow-bundle-${codeHash(root)}.js`));
    assert.match(lines[0] ?? '', /workflow bundle built in \d+ ms/);
  });
});
