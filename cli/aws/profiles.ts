import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The AWS named profile a command was given, and where from (the fix differs). */
export interface NamedProfile {
  readonly name: string;
  readonly origin: '--profile' | 'AWS_PROFILE';
}

/** The profiles the shared AWS files define, and the files read (for the message). */
export interface SharedProfiles {
  readonly names: readonly string[];
  readonly files: readonly string[];
}

/** `--profile` wins over `AWS_PROFILE`, as in awsSettings. */
export function namedProfile(flag: string | undefined, env: NodeJS.ProcessEnv): NamedProfile | undefined {
  if (flag) return { name: flag, origin: '--profile' };
  if (env.AWS_PROFILE) return { name: env.AWS_PROFILE, origin: 'AWS_PROFILE' };
  return undefined;
}

/**
 * Section names as the SDK reads them: `[default]` and `[profile x]` in the config file, `[x]` in the
 * credentials file; `[sso-session x]` and `[services x]` are not profiles.
 */
export function profileNamesIn(text: string, kind: 'config' | 'credentials'): string[] {
  const names: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const section = /^\s*\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$/.exec(line)?.[1];
    if (!section) continue;
    if (kind === 'credentials') {
      names.push(section);
      continue;
    }
    const profile = /^profile\s+(\S+)$/.exec(section)?.[1];
    if (profile) names.push(profile);
    else if (section === 'default') names.push(section);
  }
  return names;
}

/** The shared files the SDK reads (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else ~/.aws/). */
export async function sharedProfiles(env: NodeJS.ProcessEnv): Promise<SharedProfiles> {
  const home = env.HOME ?? homedir();
  const files = [
    { path: env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'), kind: 'config' as const },
    {
      path: env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'),
      kind: 'credentials' as const,
    },
  ];
  const names = new Set<string>();
  for (const file of files) {
    // A missing file defines no profile, which is what the SDK makes of it too.
    const text = await readFile(file.path, 'utf8').catch(() => '');
    for (const name of profileNamesIn(text, file.kind)) names.add(name);
  }
  return { names: [...names].sort(), files: files.map((file) => file.path) };
}
