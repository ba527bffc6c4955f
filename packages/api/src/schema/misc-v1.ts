/**
 * The small packages: coordination.k8s.io/v1 Lease, discovery.k8s.io/v1 EndpointSlice,
 * autoscaling/v1 Scale and policy/v1 Eviction.
 * Field numbers follow k8s.io/api v0.32 generated.proto; see dsl.ts for the notation.
 */
import { msg, type PackageDef } from "./dsl.js";

export const coordinationV1: PackageDef = {
  alias: "coordination",
  apiVersion: "coordination.k8s.io/v1",
  openapiPrefix: "io.k8s.api.coordination.v1",
  kinds: ["Lease"],
  messages: {
    Lease: msg("A lock with an expiry, used for leader election and node heartbeats.", {
      metadata: [1, "ObjectMeta", "Standard object metadata."],
      spec: [2, "LeaseSpec", "Who holds the lease and until when."],
    }),
    LeaseSpec: msg("The state of a lease.", {
      holderIdentity: [1, "*string", "The current holder."],
      leaseDurationSeconds: [2, "*int32", "Seconds the holder keeps the lease without renewing."],
      acquireTime: [3, "*MicroTime", "When the current holder took the lease."],
      renewTime: [4, "*MicroTime", "When the holder last renewed the lease."],
      leaseTransitions: [5, "*int32", "How many times the lease changed hands."],
      strategy: [6, "*string", "How a new holder is chosen in coordinated election."],
      preferredHolder: [7, "*string", "The holder the lease should move to."],
    }),
  },
};

export const discoveryV1: PackageDef = {
  alias: "discovery",
  apiVersion: "discovery.k8s.io/v1",
  openapiPrefix: "io.k8s.api.discovery.v1",
  kinds: ["EndpointSlice"],
  messages: {
    EndpointSlice: msg("A slice of the endpoints backing a service.", {
      metadata: [1, "ObjectMeta", "Standard object metadata."],
      addressType: [4, "string", "IPv4, IPv6 or FQDN: the kind of every address in the slice."],
      endpoints: [2, "[]Endpoint", "The endpoints in this slice."],
      ports: [3, "[]EndpointPort", "Ports served by every endpoint in the slice."],
    }),
    Endpoint: msg("One backend in an endpoint slice.", {
      addresses: [1, "[]string", "Addresses of the backend, all treated as equivalent."],
      conditions: [2, "EndpointConditions", "Readiness of the backend."],
      hostname: [3, "*string", "Hostname of the backend."],
      targetRef: [4, "*core.ObjectReference", "The object behind the backend, usually a pod."],
      deprecatedTopology: [5, "map[string]string", "Legacy topology labels."],
      nodeName: [6, "*string", "The node hosting the backend."],
      zone: [7, "*string", "The zone the backend is in."],
      hints: [8, "*EndpointHints", "Routing hints for topology-aware routing."],
    }),
    EndpointConditions: msg("Readiness flags of a backend.", {
      ready: [1, "*bool", "Ready to receive traffic."],
      serving: [2, "*bool", "Serving, even while terminating."],
      terminating: [3, "*bool", "Shutting down."],
    }),
    EndpointHints: msg("Topology hints for an endpoint.", {
      forZones: [1, "[]ForZone", "Zones that should use this endpoint."],
    }),
    ForZone: msg("A zone named in a hint.", {
      name: [1, "string", "The zone's name."],
    }),
    EndpointPort: msg("A port served by the endpoints of a slice.", {
      name: [1, "*string", "Matches the service port's name."],
      protocol: [2, "*string", "TCP, UDP or SCTP."],
      port: [3, "*int32", "The port number."],
      appProtocol: [4, "*string", "Application protocol hint."],
    }),
  },
};

export const autoscalingV1: PackageDef = {
  alias: "autoscaling",
  apiVersion: "autoscaling/v1",
  openapiPrefix: "io.k8s.api.autoscaling.v1",
  kinds: ["Scale"],
  messages: {
    Scale: msg("The scale subresource: the replica count of a scalable object.", {
      metadata: [1, "ObjectMeta", "Metadata of the scaled object."],
      spec: [2, "ScaleSpec", "The desired replica count."],
      status: [3, "ScaleStatus", "The current replica count."],
    }),
    ScaleSpec: msg("Desired scale.", {
      replicas: [1, "int32", "Desired number of replicas."],
    }),
    ScaleStatus: msg("Current scale.", {
      replicas: [1, "int32", "Replicas currently observed."],
      selector: [2, "string", "Label selector of the pods, in string form."],
    }),
  },
};

export const policyV1: PackageDef = {
  alias: "policy",
  apiVersion: "policy/v1",
  openapiPrefix: "io.k8s.api.policy.v1",
  kinds: ["Eviction"],
  messages: {
    Eviction: msg("A request to evict a pod while respecting disruption budgets.", {
      metadata: [1, "ObjectMeta", "Names the pod to evict."],
      deleteOptions: [2, "*DeleteOptions", "Options for the resulting delete."],
    }),
  },
};
