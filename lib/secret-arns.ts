/**
 * The IAM resources that match one configured secret ARN. Full Secrets Manager ARNs end in `-` and six
 * random characters, which a partial ARN (the name only) needs matched with `-??????`. A name that
 * itself ends in `-` and six letters (`sluice/hec-tokens`) cannot be told apart from a full ARN, so
 * both forms are granted: the exact ARN, and that name with any suffix of exactly six characters.
 */
export function secretResourceArns(arn: string): string[] {
  return /-[A-Za-z0-9]{6}$/.test(arn) ? [arn, `${arn}-??????`] : [`${arn}-??????`];
}
