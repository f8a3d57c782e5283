/** The file the stack bundles beside the forwarder's handler: the rules' sources, `[{ path, text }]`. */
export const DETECTION_RULES_FILE = 'detection-rules.json';
/** Where the rules are when not beside the handler (tests, a forwarder run from source). */
export const DETECTION_RULES_FILE_ENV = 'SLUICE_DETECTION_RULES_FILE';
/** The stack's alert topic, for `sns` routes. */
export const ALERT_TOPIC_ENV = 'SLUICE_ALERT_TOPIC_ARN';
