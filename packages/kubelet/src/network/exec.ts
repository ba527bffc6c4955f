/** The network agent runs `ip` and `iptables` through component-base's command runner. */
export { mustRun, runCommand, type CommandResult, type Runner } from "@kates/component-base";
