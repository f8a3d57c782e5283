export { AlertTopic, type AlertTopicProps } from './alert-topic';
export { DetectionTable } from './detection-table';
export { Detections, routeSecretArns, type DetectionsProps } from './detections';
export {
  alertObjectArn,
  DETECTIONS_ENV,
  grantDetections,
  type ForwarderDetections,
} from './forwarder-access';
export { DETECTION_RULES_FILE, DetectionRulesBundle, detectionRulesFile } from './rules-bundle';
