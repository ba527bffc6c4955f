/**
 * Validation of the small kinds: coordination.k8s.io Lease and discovery.k8s.io EndpointSlice.
 */
import { fieldErrors, type FieldError } from "../errors.js";
import type { Lease } from "../types/coordination.js";
import type { EndpointSlice } from "../types/discovery.js";
import { validateNonNegative } from "./meta.js";
import { dns1123SubdomainErrors, isIP, portNumErrors } from "./names.js";

/** Lease: a positive duration, non-negative transitions. */
export function validateLease(l: Lease): FieldError[] {
  const s = l.spec;
  if (!s) return [];
  const errs = validateNonNegative(s.leaseTransitions, "spec.leaseTransitions");
  if (s.leaseDurationSeconds !== undefined && (!Number.isInteger(s.leaseDurationSeconds) || s.leaseDurationSeconds <= 0)) {
    errs.push(fieldErrors.invalid("spec.leaseDurationSeconds", s.leaseDurationSeconds, "must be greater than 0"));
  }
  return errs;
}

/** EndpointSlice: address type, 1-100 addresses per endpoint of that type, ports in range. */
export function validateEndpointSlice(es: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const types = ["FQDN", "IPv4", "IPv6"];
  if (!types.includes(es.addressType)) errs.push(fieldErrors.notSupported("addressType", es.addressType, types));
  (Array.isArray(es.endpoints) ? es.endpoints : []).forEach((ep, i) => {
    const addrs = Array.isArray(ep?.addresses) ? ep.addresses : [];
    if (addrs.length === 0) errs.push(fieldErrors.required(`endpoints[${i}].addresses`, "must contain at least 1 address"));
    if (addrs.length > 100) errs.push(fieldErrors.invalid(`endpoints[${i}].addresses`, addrs.length, "must have at most 100 items"));
    addrs.forEach((a, j) => {
      const p = `endpoints[${i}].addresses[${j}]`;
      if (es.addressType === "FQDN") for (const m of dns1123SubdomainErrors(a)) errs.push(fieldErrors.invalid(p, a, m));
      else if (!isIP(a) || (es.addressType === "IPv4") !== !a.includes(":")) errs.push(fieldErrors.invalid(p, a, `must be a valid ${es.addressType} address`));
    });
  });
  (Array.isArray(es.ports) ? es.ports : []).forEach((p, i) => {
    if (p?.port !== undefined) for (const m of portNumErrors(p.port)) errs.push(fieldErrors.invalid(`ports[${i}].port`, p.port, m));
  });
  return errs;
}
