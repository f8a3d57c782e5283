/** Where the stage writes alert objects: the log bucket, whose notifications bring them back to the forwarder. */
export interface AlertObjectWriter {
  /**
   * Creates `key` in the bucket unless it exists (S3: `If-None-Match: *`). True when written, false
   * when it existed (an earlier attempt wrote it: names are deterministic). Throws otherwise.
   */
  create(key: string, body: string): Promise<boolean>;
  /**
   * The body of the alert object at `key`, undefined when there is none (S3: `GetObject`, which the
   * forwarder may do on the alerts source it forwards). An opening is named by its alert alone, so
   * when its create finds it written the stage reads the count it shows. Optional: without it the
   * stage takes such an opening to show no step and writes the update due, which may repeat the
   * opening's count but never leaves a step unwritten.
   */
  read?(key: string): Promise<string | undefined>;
}
