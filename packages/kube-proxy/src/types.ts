/** What kube-proxy programs: one entry per Service port, already resolved against its EndpointSlices. */

/** Lower-case protocol as iptables and the userspace proxy spell it. */
export type Proto = "tcp" | "udp" | "sctp";

/** One backend of a Service port. */
export interface EndpointInfo {
  ip: string;
  port: number;
  /** Name of the node the endpoint runs on, if the slice says. */
  nodeName?: string;
}

/** One port of one Service: everything the renderers need, and nothing from the API objects. */
export interface ServicePortInfo {
  /** `namespace/name:portName` (portName may be empty), as Kubernetes names a ServicePortName. */
  key: string;
  namespace: string;
  name: string;
  portName: string;
  protocol: Proto;
  clusterIP: string;
  port: number;
  /** Set for NodePort and LoadBalancer Services. */
  nodePort?: number;
  /** status.loadBalancer.ingress[].ip */
  loadBalancerIPs: string[];
  /** spec.loadBalancerSourceRanges: when set, only these sources may use the LoadBalancer IPs. */
  loadBalancerSourceRanges: string[];
  externalIPs: string[];
  /**
   * externalTrafficPolicy Local (NodePort/LoadBalancer only): traffic from outside the cluster goes
   * to this node's endpoints only, unmasqueraded; absent for Cluster.
   */
  externalPolicyLocal?: true;
  /**
   * internalTrafficPolicy Local: ClusterIP traffic goes to this node's endpoints only, and is
   * dropped when there is none here; absent for Cluster.
   */
  internalPolicyLocal?: true;
  /**
   * spec.healthCheckNodePort (LoadBalancer with externalTrafficPolicy Local): the port where this
   * node tells a load balancer whether it has a local endpoint of the Service.
   */
  healthCheckNodePort?: number;
  /** sessionAffinity ClientIP: stickiness timeout in seconds; undefined for None. */
  affinitySeconds?: number;
  /** Backends traffic goes to, sorted by ip then port (ready ones, or terminating-but-serving as a fallback). */
  endpoints: EndpointInfo[];
  /** The endpoints are terminating-but-serving ones (none is ready): they carry traffic but do not count as healthy. */
  terminatingFallback?: true;
}
