/** How this replica takes part in the deployment; `Query.upstream.cluster` shows it. */
export interface ClusterStatus {
  /** embedded: one process with its own store; cluster: replicas on Redis */
  mode: 'embedded' | 'cluster';
  /** this replica, in cluster mode */
  replicaId: string | null;
  /** this replica holds the upstream price socket and runs the events poller */
  leader: boolean;
  /** the replica that leads the upstream, as last seen */
  leaderId: string | null;
  /** the leader's fencing token: grows with every change of leader */
  fencingToken: number | null;
  /** both Redis connections are up (null in embedded mode) */
  redisConnected: boolean | null;
  /** epoch ms of the leader's status shown for the upstream, when it comes from another replica */
  leaderStatusAt: number | null;
}

export const EMBEDDED_STATUS: ClusterStatus = {
  mode: 'embedded',
  replicaId: null,
  leader: true,
  leaderId: null,
  fencingToken: null,
  redisConnected: null,
  leaderStatusAt: null,
};
