import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** sluice's package root: this repository, or `node_modules/sluice` in an app that installs it. */
const PACKAGE_ROOT = join(__dirname, '..');

/** The NodejsFunction props that say where a sluice handler is and in which project it is bundled. */
export interface HandlerLocation {
  readonly entry: string;
  readonly projectRoot?: string;
  readonly depsLockFilePath?: string;
}

/**
 * Where `lambda/<folder>/handler.ts` is, and the project NodejsFunction bundles it in. Where sluice
 * has its own lock file (a checkout, also one linked into an app from outside the app's folder), its
 * own root, whatever the working directory. Installed into an app's node_modules (a package carries
 * no lock file), NodejsFunction's default: the app's lock file, found from the working directory,
 * under whose folder the handler then lies.
 */
export function handlerLocation(folder: string): HandlerLocation {
  const entry = join(PACKAGE_ROOT, 'lambda', folder, 'handler.ts');
  const lockFile = join(PACKAGE_ROOT, 'package-lock.json');
  return existsSync(lockFile) ? { entry, projectRoot: PACKAGE_ROOT, depsLockFilePath: lockFile } : { entry };
}

/**
 * How every sluice function is bundled: minified, with source maps, for Node 22 and later, by the
 * local esbuild (never Docker), the AWS SDK included (the function runs the SDK the tests ran, not
 * the one its runtime happens to carry: sluice relies on its retries' `$metadata.attempts`, on
 * `cacheMiddleware`, on DynamoDB's answers as this version parses them); with the files of
 * `bundled` beside the handler.
 */
export function handlerBundling(bundled?: nodejs.ICommandHooks): nodejs.BundlingOptions {
  return {
    minify: true,
    sourceMap: true,
    target: 'node22',
    externalModules: [],
    forceDockerBundling: false,
    ...(bundled ? { commandHooks: bundled } : {}),
  };
}

/**
 * What every sluice function shares: its handler (`lambda/<folder>/handler.ts`, export `handler`),
 * the Node.js runtime and arm64.
 */
export function sluiceHandler(folder: string) {
  return {
    ...handlerLocation(folder),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
  };
}

/** The environment every sluice function starts with: Powertools' service and namespace, source maps. */
export function sluiceEnvironment(serviceName: string): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: serviceName,
    POWERTOOLS_METRICS_NAMESPACE: 'Sluice',
    NODE_OPTIONS: '--enable-source-maps',
  };
}
