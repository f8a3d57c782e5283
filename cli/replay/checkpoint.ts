import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SluiceError } from '../../lambda/core/errors';

/** What a replay was asked to do: a checkpoint only resumes the same replay. */
export interface ReplayPlanIdentity {
  readonly bucket: string;
  readonly source: string;
  readonly from: string;
  readonly to: string;
  readonly logTypes: readonly string[] | 'all';
  readonly mode: 'enqueue' | 'direct';
  /** `--all-versions`: absent for a replay of current versions (checkpoints written before it existed). */
  readonly allVersions?: boolean;
}

export interface Checkpoint extends ReplayPlanIdentity {
  readonly version: 1;
  /**
   * Every object with a key up to and including this one has been enqueued (or forwarded); with
   * `allVersions`, every version of those keys.
   */
  readonly lastKey?: string;
  readonly done: number;
  readonly complete: boolean;
  readonly updatedAt: string;
}

function sameReplay(a: ReplayPlanIdentity, b: ReplayPlanIdentity): boolean {
  return (
    a.bucket === b.bucket &&
    a.source === b.source &&
    a.from === b.from &&
    a.to === b.to &&
    a.mode === b.mode &&
    Boolean(a.allVersions) === Boolean(b.allVersions) &&
    JSON.stringify(a.logTypes) === JSON.stringify(b.logTypes)
  );
}

/**
 * A replay's progress on disk: written atomically (temp file + rename) after each batch, so an
 * interrupted replay resumes after the last key it finished, and a finished one is not run twice.
 */
export class CheckpointFile {
  constructor(readonly path: string) {}

  async read(): Promise<Checkpoint | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Checkpoint;
      if (parsed.version !== 1) throw new Error(`version ${String(parsed.version)}`);
      return parsed;
    } catch (error) {
      throw new SluiceError(
        'USAGE',
        `checkpoint ${this.path} is unreadable (${(error as Error).message}). Fix: pass --restart or another --checkpoint`,
      );
    }
  }

  /**
   * The checkpoint to resume from: none, or the matching one. A finished replay's checkpoint is simply
   * replaced by a new replay; an unfinished one of another replay is refused (its progress would be lost).
   */
  async resume(identity: ReplayPlanIdentity, restart: boolean): Promise<Checkpoint | undefined> {
    if (restart) return undefined;
    const existing = await this.read();
    if (!existing) return undefined;
    if (!sameReplay(existing, identity)) {
      if (existing.complete) return undefined;
      throw new SluiceError(
        'USAGE',
        `checkpoint ${this.path} belongs to an unfinished replay (${existing.source} ${existing.from} → ${existing.to}, ${existing.mode}). Fix: pass --restart to start over, or another --checkpoint`,
      );
    }
    return existing;
  }

  async write(checkpoint: Checkpoint): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(checkpoint, null, 2)}\n`);
    await rename(temporary, this.path);
  }
}
