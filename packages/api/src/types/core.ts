/**
 * core/v1 objects other than Pod (which lives in pod.ts and is re-exported here).
 */
import type { KObject, LabelSelector } from "../meta.js";
import type { IntOrString, NodeSelectorTerm, PodTemplateSpec, Quantity } from "./pod.js";

export * from "./pod.js";

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface ServicePort {
  name?: string;
  protocol?: Protocol;
  appProtocol?: string;
  port: number;
  targetPort?: IntOrString;
  nodePort?: number;
}

export type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";

export interface ServiceSpec {
  ports?: ServicePort[];
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: ServiceType;
  externalIPs?: string[];
  sessionAffinity?: "None" | "ClientIP";
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  externalName?: string;
  externalTrafficPolicy?: "Cluster" | "Local";
  internalTrafficPolicy?: "Cluster" | "Local";
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  ipFamilies?: ("IPv4" | "IPv6")[];
  ipFamilyPolicy?: "SingleStack" | "PreferDualStack" | "RequireDualStack";
  allocateLoadBalancerNodePorts?: boolean;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  /** VIP: traffic arrives with the load balancer's address as destination (kube-proxy answers on it); Proxy: it does not. */
  ipMode?: "VIP" | "Proxy";
}

export interface ServiceStatus {
  loadBalancer?: { ingress?: LoadBalancerIngress[] };
  conditions?: Condition[];
}

/** A core/v1 Service: a stable virtual IP and ports in front of the pods its selector picks. */
export interface Service extends KObject {
  apiVersion?: "v1";
  kind?: "Service";
  spec?: ServiceSpec;
  status?: ServiceStatus;
}

/** A metav1.Condition, as used by Services and newer APIs. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  observedGeneration?: number;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: Protocol;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** core/v1 Endpoints: the ready and not-ready addresses behind a Service. */
export interface Endpoints extends KObject {
  apiVersion?: "v1";
  kind?: "Endpoints";
  subsets?: EndpointSubset[];
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
  unschedulable?: boolean;
  taints?: Taint[];
}

export interface NodeCondition {
  type: "Ready" | "MemoryPressure" | "DiskPressure" | "PIDPressure" | "NetworkUnavailable" | string;
  status: "True" | "False" | "Unknown";
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface NodeAddress {
  type: "Hostname" | "InternalIP" | "ExternalIP" | "InternalDNS" | "ExternalDNS";
  address: string;
}

export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}

export interface NodeStatus {
  capacity?: Record<string, Quantity>;
  allocatable?: Record<string, Quantity>;
  phase?: string;
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  daemonEndpoints?: { kubeletEndpoint?: { Port: number } };
  nodeInfo?: NodeSystemInfo;
  images?: { names?: string[]; sizeBytes?: number }[];
}

/** A core/v1 Node: a machine the kubelet registers and heartbeats. */
export interface Node extends KObject {
  apiVersion?: "v1";
  kind?: "Node";
  spec?: NodeSpec;
  status?: NodeStatus;
}

/** A core/v1 Namespace: a scope for names. */
export interface Namespace extends KObject {
  apiVersion?: "v1";
  kind?: "Namespace";
  spec?: { finalizers?: string[] };
  status?: { phase?: "Active" | "Terminating"; conditions?: Condition[] };
}

/** A core/v1 Event: something that happened to an involved object. */
export interface Event extends KObject {
  apiVersion?: "v1";
  kind?: "Event";
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  count?: number;
  type?: "Normal" | "Warning" | string;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
}

/** A core/v1 ConfigMap: non-secret configuration data. */
export interface ConfigMap extends KObject {
  apiVersion?: "v1";
  kind?: "ConfigMap";
  immutable?: boolean;
  data?: Record<string, string>;
  /** Values are base64, as on the wire. */
  binaryData?: Record<string, string>;
}

/** A core/v1 Secret: sensitive data, base64 on the wire. */
export interface Secret extends KObject {
  apiVersion?: "v1";
  kind?: "Secret";
  immutable?: boolean;
  /** Values are base64, as on the wire. */
  data?: Record<string, string>;
  /** Write-only plain-text values; the apiserver folds them into data. */
  stringData?: Record<string, string>;
  type?: string;
}

export interface ReplicationControllerSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: Record<string, string>;
  template?: PodTemplateSpec;
}

export interface ReplicationControllerStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }[];
}

/** A core/v1 ReplicationController: the predecessor of ReplicaSet, with a map selector. */
export interface ReplicationController extends KObject {
  apiVersion?: "v1";
  kind?: "ReplicationController";
  spec?: ReplicationControllerSpec;
  status?: ReplicationControllerStatus;
}

export interface PersistentVolumeSpec {
  capacity?: Record<string, Quantity>;
  hostPath?: { path: string; type?: string };
  local?: { path: string };
  nfs?: { server: string; path: string; readOnly?: boolean };
  accessModes?: ("ReadWriteOnce" | "ReadOnlyMany" | "ReadWriteMany" | "ReadWriteOncePod")[];
  claimRef?: ObjectReference;
  persistentVolumeReclaimPolicy?: "Retain" | "Recycle" | "Delete";
  storageClassName?: string;
  mountOptions?: string[];
  volumeMode?: "Filesystem" | "Block";
  nodeAffinity?: { required?: { nodeSelectorTerms: NodeSelectorTerm[] } };
}

/** A core/v1 PersistentVolume: a piece of cluster storage. */
export interface PersistentVolume extends KObject {
  apiVersion?: "v1";
  kind?: "PersistentVolume";
  spec?: PersistentVolumeSpec;
  status?: { phase?: "Pending" | "Available" | "Bound" | "Released" | "Failed"; message?: string; reason?: string };
}

export interface PersistentVolumeClaimSpec {
  accessModes?: PersistentVolumeSpec["accessModes"];
  selector?: LabelSelector;
  resources?: { requests?: Record<string, Quantity>; limits?: Record<string, Quantity> };
  volumeName?: string;
  storageClassName?: string;
  volumeMode?: "Filesystem" | "Block";
}

/** A core/v1 PersistentVolumeClaim: a request for storage. */
export interface PersistentVolumeClaim extends KObject {
  apiVersion?: "v1";
  kind?: "PersistentVolumeClaim";
  spec?: PersistentVolumeClaimSpec;
  status?: {
    phase?: "Pending" | "Bound" | "Lost";
    accessModes?: PersistentVolumeSpec["accessModes"];
    capacity?: Record<string, Quantity>;
  };
}

/** A core/v1 ServiceAccount: an identity for pods. */
export interface ServiceAccount extends KObject {
  apiVersion?: "v1";
  kind?: "ServiceAccount";
  secrets?: ObjectReference[];
  imagePullSecrets?: { name?: string }[];
  automountServiceAccountToken?: boolean;
}

/** The body POSTed to pods/NAME/binding by the scheduler. */
export interface Binding extends KObject {
  apiVersion?: "v1";
  kind?: "Binding";
  target: ObjectReference;
}
