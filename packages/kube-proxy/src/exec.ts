/** How kube-proxy runs iptables, ip, sysctl and conntrack: component-base's command runner. */
export { runCommand as execCommand, type CommandResult as ExecResult } from "@kates/component-base";

/** Splits a command prefix flag ("ip netns exec ns1") into words. */
export function splitWords(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}
