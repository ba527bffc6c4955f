/**
 * discovery.k8s.io/v1 EndpointSlice.
 */
import type { KObject } from "../meta.js";
import type { ObjectReference, Protocol } from "./core.js";

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
}

export interface EndpointSlicePort {
  name?: string;
  protocol?: Protocol;
  port?: number;
  appProtocol?: string;
}

/** A discovery.k8s.io/v1 EndpointSlice: a slice of a Service's endpoints. */
export interface EndpointSlice extends KObject {
  apiVersion?: "discovery.k8s.io/v1";
  kind?: "EndpointSlice";
  addressType: "IPv4" | "IPv6" | "FQDN";
  endpoints: Endpoint[];
  ports?: EndpointSlicePort[];
}
