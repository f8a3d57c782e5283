import { readFileSync } from 'node:fs';

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly samples: readonly number[];
}

export interface HotFunction {
  /** `name (source file)`: bundle positions are mapped back to the source file they came from. */
  readonly where: string;
  /** Share of samples spent in the function itself. */
  readonly selfShare: number;
  /** Share of samples with the function on the stack. */
  readonly totalShare: number;
}

/**
 * esbuild's readable bundles mark each module with a `// path/to/file.ts` line: map a bundle line
 * back to its source file with them.
 */
function sourceFiles(bundlePath: string): (line: number) => string {
  let lines: string[];
  try {
    lines = readFileSync(bundlePath, 'utf8').split('\n');
  } catch {
    return () => '';
  }
  const starts: [number, string][] = [];
  lines.forEach((text, index) => {
    const match = /^\/\/ ((?:\.\.\/)*(?:node_modules\/)?[\w@./-]+\.(?:ts|js|mjs|cjs))$/.exec(text);
    if (match) starts.push([index, match[1].replace(/^(\.\.\/)+/, '')]);
  });
  return (line) => {
    let file = '';
    for (const [start, name] of starts) {
      if (start > line) break;
      file = name;
    }
    return file;
  };
}

function describe(node: CpuProfileNode, fileOf: (url: string, line: number) => string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (url === '') return name;
  if (url.startsWith('node:')) return `${name} (${url})`;
  const file = fileOf(url, lineNumber);
  return file ? `${name} (${file})` : name;
}

/** Self and total time per function of a V8 CPU profile, by self time. */
export function hotFunctions(path: string, limit = 20): HotFunction[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const bundles = new Map<string, (line: number) => string>();
  const fileOf = (url: string, line: number) => {
    const path = url.replace(/^file:\/\//, '');
    if (!bundles.has(path)) bundles.set(path, sourceFiles(path));
    return bundles.get(path)!(line);
  };
  const names = new Map<number, string>();
  const nameOf = (id: number) => {
    let name = names.get(id);
    if (name === undefined) {
      name = describe(byId.get(id)!, fileOf);
      names.set(id, name);
    }
    return name;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const sample of profile.samples) {
    if (!byId.has(sample)) continue;
    const leaf = nameOf(sample);
    self.set(leaf, (self.get(leaf) ?? 0) + 1);
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const name = nameOf(id);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + 1);
    }
  }
  const samples = profile.samples.length || 1;
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([where, count]) => ({
      where,
      selfShare: count / samples,
      totalShare: (total.get(where) ?? 0) / samples,
    }));
}

/** Total time of the functions whose description matches, e.g. every function of one source file. */
export function shareOf(path: string, match: (where: string) => boolean): number {
  return hotFunctions(path, Number.POSITIVE_INFINITY)
    .filter((hot) => match(hot.where))
    .reduce((sum, hot) => sum + hot.selfShare, 0);
}
