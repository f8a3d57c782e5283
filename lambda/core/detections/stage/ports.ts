/** Where the stage writes alert objects: the log bucket, whose notifications bring them back to the forwarder. */
export interface AlertObjectWriter {
  /**
   * Creates `key` in the bucket unless it exists (S3: `If-None-Match: *`). True when written, false
   * when it existed (an earlier attempt wrote it: names are deterministic). Throws otherwise.
   */
  create(key: string, body: string): Promise<boolean>;
}
