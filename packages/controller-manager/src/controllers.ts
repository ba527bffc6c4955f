/**
 * The descriptor table of every controller the controller-manager runs, in the order they
 * start. Adding a controller: write it under controllers/<name>/, then add one line here.
 */
import type { ControllerDescriptor } from "./controller-context.js";

export const CONTROLLERS: ControllerDescriptor[] = [
];

/** Applies --controllers semantics: "*" enables all, "name" one, "-name" disables one. */
export function enabledControllers(all: ControllerDescriptor[], selection: string[]): ControllerDescriptor[] {
  const star = selection.includes("*");
  return all.filter((d) => !selection.includes(`-${d.name}`) && (star || selection.includes(d.name)));
}
