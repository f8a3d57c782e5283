import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startLocalMoto } from '../../../cli/dev/moto-server';
import { exitCodeOf } from '../../../cli/shared/errors';
import { SluiceError } from '../../../lambda/core/errors';

describe('npm start on a machine without moto', () => {
  it('without Python, says python3 is not on PATH, with the fix (no empty reason)', async () => {
    await assert.rejects(
      startLocalMoto({ python: 'sluice-no-such-python3', timeoutMs: 120_000 }),
      (error: unknown) => {
        assert.ok(error instanceof SluiceError);
        assert.equal(error.code, 'MOTO_UNAVAILABLE');
        assert.equal(exitCodeOf(error), 2, "the machine's set-up, like missing credentials");
        assert.match(
          error.message,
          /^cannot start moto: sluice-no-such-python3 is not on PATH \(spawn sluice-no-such-python3 ENOENT\); moto runs on Python 3\. Fix: install it \(pip install 'moto\[server\]'/,
        );
        return true;
      },
    );
  });

  it("with Python but not moto, passes on Python's own last line", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-python-'));
    try {
      const python = join(dir, 'python3');
      writeFileSync(python, '#!/bin/sh\necho "ModuleNotFoundError: No module named \'moto\'" >&2\nexit 1\n');
      chmodSync(python, 0o755);
      await assert.rejects(
        startLocalMoto({ python, timeoutMs: 120_000 }),
        /^SluiceError: cannot start moto \(exit code 1\): ModuleNotFoundError: No module named 'moto'\. Fix:/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
