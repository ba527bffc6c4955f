/**
 * autoscaling/v1 Scale: the body of the scale subresource.
 */
import type { KObject } from "../meta.js";

/** An autoscaling/v1 Scale. */
export interface Scale extends KObject {
  apiVersion?: "autoscaling/v1";
  kind?: "Scale";
  spec?: { replicas?: number };
  /** selector is the label selector in string form (`app=web`). */
  status?: { replicas: number; selector?: string };
}
