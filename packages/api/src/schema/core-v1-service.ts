/**
 * core/v1 networking and workload kinds besides Pod: Service, Endpoints,
 * ReplicationController, plus ObjectReference and Binding.
 * Field numbers follow k8s.io/api v0.32 generated.proto; see dsl.ts for the notation.
 */
import { msg, type MessageDef } from "./dsl.js";

export const coreServiceMessages: Record<string, MessageDef> = {
  Service: msg("A stable virtual address and name in front of a set of pods.", {
    metadata: [1, "ObjectMeta", "Standard object metadata."],
    spec: [2, "ServiceSpec", "How the service is exposed and which pods back it."],
    status: [3, "ServiceStatus", "Observed state, such as load balancer addresses."],
  }),
  ServiceSpec: msg("The desired behaviour of a service.", {
    ports: [1, "[]ServicePort", "Ports the service exposes."],
    selector: [2, "map[string]string", "Labels of the pods that receive the service's traffic."],
    clusterIP: [3, "string", "The virtual IP; allocated when empty, or None for a headless service."],
    clusterIPs: [18, "[]string", "All virtual IPs, one per IP family."],
    type: [4, "string", "ClusterIP, NodePort, LoadBalancer or ExternalName."],
    externalIPs: [5, "[]string", "Extra addresses on which nodes accept traffic for the service."],
    sessionAffinity: [7, "string", "ClientIP to stick clients to one pod, or None."],
    loadBalancerIP: [8, "string", "Deprecated request for a particular load balancer address."],
    loadBalancerSourceRanges: [9, "[]string", "Client CIDRs allowed through a cloud load balancer."],
    externalName: [10, "string", "The DNS name an ExternalName service aliases."],
    externalTrafficPolicy: [11, "string", "Cluster or Local routing of traffic from outside."],
    healthCheckNodePort: [12, "int32", "Node port answering health checks for Local traffic policy."],
    publishNotReadyAddresses: [13, "bool", "Publish endpoints for pods that are not ready."],
    sessionAffinityConfig: [14, "any", "Tuning of session affinity."],
    ipFamilies: [19, "[]string", "IPv4 and/or IPv6, in order of preference."],
    ipFamilyPolicy: [17, "*string", "SingleStack, PreferDualStack or RequireDualStack."],
    allocateLoadBalancerNodePorts: [20, "*bool", "Whether LoadBalancer services get node ports."],
    loadBalancerClass: [21, "*string", "Which load balancer implementation handles the service."],
    internalTrafficPolicy: [22, "*string", "Cluster or Local routing of traffic from inside the cluster."],
    trafficDistribution: [23, "*string", "Preference for how traffic is spread over endpoints."],
  }),
  ServicePort: msg("One port a service exposes.", {
    name: [1, "string", "Name of the port; required when there are several."],
    protocol: [2, "string", "TCP, UDP or SCTP; TCP by default."],
    appProtocol: [6, "*string", "Application protocol hint, e.g. http."],
    port: [3, "int32", "The port on the service's virtual IP."],
    targetPort: [4, "IntOrString", "Number or name of the pod port traffic goes to; port by default."],
    nodePort: [5, "int32", "Port opened on every node for NodePort and LoadBalancer services."],
  }),
  ServiceStatus: msg("Observed state of a service.", {
    loadBalancer: [1, "LoadBalancerStatus", "Addresses of the provisioned load balancer."],
    conditions: [2, "[]any", "Current conditions of the service."],
  }),
  LoadBalancerStatus: msg("Addresses of a load balancer.", {
    ingress: [1, "[]LoadBalancerIngress", "Entry points of the load balancer."],
  }),
  LoadBalancerIngress: msg("One entry point of a load balancer.", {
    ip: [1, "string", "IP address of the entry point."],
    hostname: [2, "string", "DNS name of the entry point."],
    ipMode: [3, "*string", "VIP or Proxy: how traffic reaches the nodes."],
    ports: [4, "[]PortStatus", "Per-port status."],
  }),
  PortStatus: msg("Status of one load balancer port.", {
    port: [1, "int32", "The port number."],
    protocol: [2, "string", "The port's protocol."],
    error: [3, "*string", "Problem with the port, if any."],
  }),
  Endpoints: msg("The addresses currently backing a service.", {
    metadata: [1, "ObjectMeta", "Standard object metadata; the name matches the service."],
    subsets: [2, "[]EndpointSubset", "Groups of addresses sharing the same ports."],
  }),
  EndpointSubset: msg("Addresses that all serve the same ports.", {
    addresses: [1, "[]EndpointAddress", "Addresses of ready pods."],
    notReadyAddresses: [2, "[]EndpointAddress", "Addresses of pods that are not ready yet."],
    ports: [3, "[]EndpointPort", "The ports served at those addresses."],
  }),
  EndpointAddress: msg("One backend address.", {
    ip: [1, "string", "The backend's IP address."],
    hostname: [3, "string", "Hostname of the backend, if it has one."],
    nodeName: [4, "*string", "The node hosting the backend."],
    targetRef: [2, "*ObjectReference", "The object (usually a pod) behind the address."],
  }),
  EndpointPort: msg("One backend port.", {
    name: [1, "string", "Matches the service port's name."],
    port: [2, "int32", "The port number."],
    protocol: [3, "string", "TCP, UDP or SCTP."],
    appProtocol: [4, "*string", "Application protocol hint."],
  }),
  ObjectReference: msg("Points at any object, optionally at a field inside it.", {
    kind: [1, "string", "The referent's kind."],
    namespace: [2, "string", "The referent's namespace."],
    name: [3, "string", "The referent's name."],
    uid: [4, "string", "The referent's uid."],
    apiVersion: [5, "string", "The referent's API version."],
    resourceVersion: [6, "string", "The referent's version when the reference was made."],
    fieldPath: [7, "string", "A field within the referent, e.g. spec.containers{web}."],
  }),
  Binding: msg("Assigns a pod to a node; posted by the scheduler.", {
    metadata: [1, "ObjectMeta", "Names the pod being bound."],
    target: [2, "ObjectReference", "The node the pod is bound to."],
  }),
  ReplicationController: msg("The original controller keeping a number of identical pods running.", {
    metadata: [1, "ObjectMeta", "Standard object metadata."],
    spec: [2, "ReplicationControllerSpec", "How many pods to run and what they look like."],
    status: [3, "ReplicationControllerStatus", "Counts of pods observed by the controller."],
  }),
  ReplicationControllerSpec: msg("Desired state of a replication controller.", {
    replicas: [1, "*int32", "How many pods to keep; 1 by default."],
    minReadySeconds: [4, "int32", "Seconds a pod must be ready before it counts as available."],
    selector: [2, "map[string]string", "Labels identifying the pods it manages."],
    template: [3, "*PodTemplateSpec", "The template new pods are made from."],
  }),
  ReplicationControllerStatus: msg("Observed state of a replication controller.", {
    replicas: [1, "int32", "Pods currently managed."],
    fullyLabeledReplicas: [2, "int32", "Pods whose labels match the template's."],
    readyReplicas: [4, "int32", "Pods that are ready."],
    availableReplicas: [5, "int32", "Pods ready for at least minReadySeconds."],
    observedGeneration: [3, "int64", "The generation the controller last acted on."],
    conditions: [6, "[]ReplicationControllerCondition", "Current conditions."],
  }),
  ReplicationControllerCondition: msg("One condition of a replication controller.", {
    type: [1, "string", "The condition's name."],
    status: [2, "string", "True, False or Unknown."],
    lastTransitionTime: [3, "Time", "When the status last flipped."],
    reason: [4, "string", "A short CamelCase word for the last transition."],
    message: [5, "string", "Human-readable detail."],
  }),
};
