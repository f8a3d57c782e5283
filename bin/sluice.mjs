#!/usr/bin/env node
// The `sluice` bin: loads the TypeScript CLI through tsx, resolved from this package (not the caller's cwd).
import 'tsx';

await import('./sluice.ts');
