import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SluiceError } from '../core/errors';

/** Where a function's configuration is: its environment while it fits (4 KB in all), else a file in its bundle. */
export interface ConfigPlace {
  /** The variable that holds the configuration's JSON when it fits. */
  readonly variable: string;
  /** The file the stack bundles beside the handler when it does not. */
  readonly file: string;
  /** A variable naming another path for that file (tests, a run outside the bundle). */
  readonly fileVariable: string;
  /** The handler's folder: where the file is by default. */
  readonly handlerDir: string;
  /** The function, as the fix names it: `forwarder`, `collector`. */
  readonly role: string;
}

/** The configuration's text and where it was read (what an error about its content names). */
export function bundledConfigText(
  env: NodeJS.ProcessEnv,
  place: ConfigPlace,
): { readonly text: string; readonly origin: string } {
  const text = env[place.variable];
  if (text) return { text, origin: place.variable };
  const path = env[place.fileVariable] ?? join(place.handlerDir, place.file);
  try {
    return { text: readFileSync(path, 'utf8'), origin: path };
  } catch (error) {
    throw new SluiceError(
      'RUNTIME_CONFIG_MISSING',
      `${place.variable} is not set and ${path} cannot be read (${(error as NodeJS.ErrnoException).code}); deploy the ${place.role} with the sluice stack`,
      { path },
    );
  }
}
