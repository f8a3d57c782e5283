import { SluiceError } from '../errors';

/** Where in a rule file something is: 1-based line and column when the rule came from YAML text. */
export interface RuleLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

export function formatLocation(location: RuleLocation): string {
  if (location.line === undefined) return location.file;
  return location.column === undefined
    ? `${location.file}:${location.line}`
    : `${location.file}:${location.line}:${location.column}`;
}

/**
 * A rule that cannot be compiled. The message reads `file:line:column: reason` (what editors and CI
 * annotate), and the same parts are in `context` for `sluice detect validate` and `cdk synth`.
 */
export class RuleError extends SluiceError {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly reason: string;

  constructor(location: RuleLocation, reason: string, options?: { cause?: unknown }) {
    super(
      'RULE_INVALID',
      `${formatLocation(location)}: ${reason}`,
      { file: location.file, line: location.line, column: location.column, reason },
      options,
    );
    this.name = 'RuleError';
    this.file = location.file;
    this.line = location.line;
    this.column = location.column;
    this.reason = reason;
  }
}
