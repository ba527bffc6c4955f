/** requests/limits to the runtime's LinuxContainerResources, with the kubelet's conversions. */
import { parseQuantity, type Container } from "@kates/api";
import type { LinuxContainerResources } from "@kates/cri-api";

/** The CFS period the kubelet uses (100ms, in microseconds). */
export const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;

/**
 * cpu shares from the request (milliCPU*1024/1000, at least 2; limit when no request),
 * quota from the limit (milliCPU*period/1000), memory limit in bytes.
 */
export function containerResources(c: Container): LinuxContainerResources {
  const req = parseQuantity(c.resources?.requests?.cpu);
  const lim = parseQuantity(c.resources?.limits?.cpu);
  const milliReq = Math.round((req ?? lim ?? 0) * 1000);
  // Zero means "not set" on the wire (proto3 default), so unset limits stay 0.
  const out: LinuxContainerResources = { cpu_period: 0, cpu_quota: 0, cpu_shares: Math.max(MIN_SHARES, Math.floor((milliReq * 1024) / 1000)), memory_limit_in_bytes: 0 };
  if (lim !== undefined && lim > 0) {
    out.cpu_period = CPU_PERIOD_US;
    out.cpu_quota = Math.max(1000, Math.floor((Math.round(lim * 1000) * CPU_PERIOD_US) / 1000));
  }
  const mem = parseQuantity(c.resources?.limits?.memory);
  if (mem !== undefined && mem > 0) out.memory_limit_in_bytes = Math.floor(mem);
  return out;
}
