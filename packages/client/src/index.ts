/**
 * @kates/client: how every kates daemon and the CLI talk to the apiserver. A typed REST client
 * (RestClient, ResourceClient, watch), kubeconfig loading, informers with listers, a work queue
 * with rate limiters, the reconcile-loop helpers, leader election, and a FakeApiServer for tests.
 */
export * from "./clock.js";
export * from "./controller.js";
export * from "./errors.js";
export * from "./event-recorder.js";
export * from "./fake-apiserver.js";
export * from "./informer.js";
export * from "./informer-factory.js";
export * from "./kubeconfig.js";
export * from "./leader-election.js";
export * from "./lister.js";
export * from "./logger.js";
export * from "./rate-limiter.js";
export * from "./resource-client.js";
export * from "./rest-client.js";
export * from "./watch-decoder.js";
export * from "./work-queue.js";
