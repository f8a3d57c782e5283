/** One request of the cluster's REST API, as `sluice setup elasticsearch` plans, prints and sends it. */
export interface ApiRequest {
  readonly method: 'GET' | 'PUT' | 'POST';
  /** Path with its query, e.g. `/_ilm/policy/sluice-es-retention`. */
  readonly path: string;
  /** Sent as JSON. */
  readonly body?: unknown;
}

/** The cluster's answer: its status and its JSON body (or the raw text when it is not JSON). */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

export type Flavor = 'elasticsearch' | 'opensearch';

/** What `GET /` says about the cluster. */
export interface ClusterInfo {
  readonly flavor: Flavor;
  /** As the cluster reports it, e.g. `8.13.4`. */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
}

/** The writer's credential, created once and shown once. */
export type WriterCredential =
  | {
      readonly kind: 'api-key';
      readonly id: string;
      readonly name: string;
      /** What the destination's `api-key` secret holds: Elasticsearch's `encoded` value. */
      readonly secret: string;
    }
  | {
      readonly kind: 'user';
      readonly name: string;
      /** What the destination's `basic` secret holds: `{"username": …, "password": …}`. */
      readonly secret: string;
    };
