/**
 * @kates/controller-manager: every controller in one leader-elected process. `run` is the
 * daemon (main.ts is its thin entry); controllers are listed in controllers.ts.
 */
export { run, type RunOptions } from "./controller-manager.js";
export { CONTROLLERS, enabledControllers } from "./controllers.js";
export type { Controller, ControllerContext, ControllerDescriptor, ControllerManagerOptions } from "./controller-context.js";
export { newControllerContext } from "./controller-context.js";
