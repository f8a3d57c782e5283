/**
 * Stable failure codes of the detections stage (in its batch outcome and the continuation's failures).
 * Alarms and runbooks key on these: never rename one.
 */
export const DetectionStageCodes = {
  /** A store or the alert object writer failed: the batch is run again from the stage's own progress. */
  FAILED: 'DETECTIONS_FAILED',
  /**
   * The stage was given records the forwarder never showed it (`ForwardDependencies.detections` is
   * not the stage): a wiring bug, refused rather than reading the records as if none matched.
   */
  NOT_WIRED: 'DETECTIONS_NOT_WIRED',
} as const;
