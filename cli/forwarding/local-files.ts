import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { SluiceError } from '../../lambda/core/errors';
import type { ObjectSource, OpenedObject, QuarantineWriter } from '../../lambda/core/forward/ports';
import type { ObjectRef } from '../../lambda/core/notifications/object-ref';
import { readFileChunks } from './file-chunks';

/** The pseudo-bucket local files are forwarded from: records show `s3://local/<path>` as their source. */
export const LOCAL_BUCKET = 'local';

export interface LocalFile {
  readonly ref: ObjectRef;
  /** Absolute path on disk. */
  readonly path: string;
}

/**
 * Files named on the command line (folders are walked), as objects: the key is the path relative to the
 * working directory with `/` separators, and the ETag is size + mtime, so forwarding the same file
 * again yields the same record ids (Elasticsearch then answers 409 instead of indexing twice) and
 * finds its quarantine entries already written.
 */
export async function listLocalFiles(paths: readonly string[], cwd: string): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  const visit = async (path: string): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new SluiceError('USAGE', `'${path}' does not exist`);
    if (info.isDirectory()) {
      const entries = (await readdir(path)).sort();
      for (const entry of entries) await visit(join(path, entry));
      return;
    }
    if (!info.isFile()) return;
    const key = relative(cwd, path).split(sep).join('/');
    files.push({
      path,
      ref: {
        bucket: LOCAL_BUCKET,
        key: key.startsWith('../') ? path.split(sep).join('/') : key,
        eTag: `${info.size}-${Math.floor(info.mtimeMs)}`,
        size: info.size,
        eventTime: info.mtime,
      },
    });
  };
  for (const path of paths) await visit(resolve(cwd, path));
  return files;
}

/** Reads local files by the key `listLocalFiles` gave them. */
export class LocalFileSource implements ObjectSource {
  private readonly paths = new Map<string, string>();

  constructor(files: readonly LocalFile[]) {
    for (const file of files) this.paths.set(file.ref.key, file.path);
  }

  async open(object: ObjectRef, fromByte: number): Promise<OpenedObject> {
    const path = this.paths.get(object.key);
    if (!path)
      throw new SluiceError('OBJECT_NOT_FOUND', `local file ${object.key} is not known`, { key: object.key });
    // No ETag of its own: the listing's size + mtime names the file.
    return { body: readFileChunks(path, fromByte) };
  }
}

/** Writes quarantined records under a local folder, in the layout the S3 quarantine uses. */
export class LocalQuarantineWriter implements QuarantineWriter {
  /** Files written, for the command's summary. */
  readonly written: string[] = [];

  constructor(private readonly directory: string) {}

  async create(name: string, body: string): Promise<boolean> {
    const path = resolve(this.directory, name);
    await mkdir(resolve(path, '..'), { recursive: true });
    try {
      await writeFile(path, body, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    this.written.push(path);
    return true;
  }

  async read(name: string): Promise<string | undefined> {
    try {
      return await readFile(resolve(this.directory, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
