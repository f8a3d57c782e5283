import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetStaging, Token } from 'aws-cdk-lib';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** A file to put beside a function's handler: its name in the bundle and its content. */
export interface BundledFile {
  readonly name: string;
  readonly text: string;
}

function posixQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Puts files written at synth into a function's bundle, beside its handler: each is written to a
 * folder of its own, and copied into the bundle after esbuild ran. The bundle's asset hash is its
 * output's, so a changed file is a new asset and a new deployment of the function. Call `dispose()`
 * once the function is constructed (CDK bundles in its constructor).
 */
export class BundledFiles implements nodejs.ICommandHooks {
  /** SHA-256 of the files: part of CDK's in-process asset cache key (serialized with the hooks). */
  readonly digest: string;
  /** Where each file was written, by name. */
  readonly paths: ReadonlyMap<string, string>;
  private readonly dir: string;

  constructor(files: readonly BundledFile[]) {
    const hash = createHash('sha256');
    this.dir = mkdtempSync(join(tmpdir(), 'sluice-bundled-'));
    const paths = new Map<string, string>();
    for (const { name, text } of files) {
      hash.update(`${name}\u0000${text}\u0000`);
      const path = join(this.dir, name);
      writeFileSync(path, text);
      paths.set(name, path);
    }
    this.digest = hash.digest('hex');
    this.paths = paths;
  }

  beforeBundling(): string[] {
    return [];
  }

  beforeInstall(): string[] {
    return [];
  }

  afterBundling(_inputDir: string, outputDir: string): string[] {
    if (outputDir === AssetStaging.BUNDLING_OUTPUT_DIR) {
      // The container cannot see the files written on this machine: say so instead of bundling none.
      return [
        `echo "sluice: ${[...this.paths.keys()].join(', ')} are bundled with a local esbuild (npm install esbuild), not in Docker" >&2`,
        'exit 1',
      ];
    }
    return [...this.paths].map(([name, path]) => {
      const target = join(outputDir, name);
      return process.platform === 'win32'
        ? `copy /Y "${path}" "${target}"`
        : `cp ${posixQuote(path)} ${posixQuote(target)}`;
    });
  }

  /** Removes the files written at synth. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Builds a function with `files` put beside its handler (`bundled` is undefined when there are
 * none), and removes the files once built or failed: CDK bundles in the function's constructor.
 */
export function withBundledFiles<T>(
  files: readonly BundledFile[],
  build: (bundled: BundledFiles | undefined) => T,
): T {
  const bundled = files.length > 0 ? new BundledFiles(files) : undefined;
  try {
    return build(bundled);
  } finally {
    bundled?.dispose();
  }
}

/** Lambda refuses a function whose environment, measured as the JSON of its variables, exceeds 4 KB. */
const LAMBDA_ENVIRONMENT_BYTES = 4096;

/**
 * The longest a value still a CloudFormation token at synth can resolve to: a generated table or topic
 * name (with a stack name of up to 128 characters) in an ARN.
 */
const LONGEST_TOKEN_VALUE = 320;

/**
 * Whether `environment` fits in a Lambda function, measured as Lambda measures it: the JSON of the
 * variables, so a JSON value's quotes count twice once escaped, with the names and the other values
 * (tokens at their longest). Past it the deployment fails ("exceeded the 4KB limit").
 */
export function fitsLambdaEnvironment(environment: Readonly<Record<string, string>>): boolean {
  const measured = Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      Token.isUnresolved(value) ? 'x'.repeat(LONGEST_TOKEN_VALUE) : value,
    ]),
  );
  return Buffer.byteLength(JSON.stringify(measured)) <= LAMBDA_ENVIRONMENT_BYTES;
}
