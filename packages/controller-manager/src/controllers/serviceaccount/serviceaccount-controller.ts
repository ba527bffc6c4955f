/**
 * ServiceAccountController keeps a `default` ServiceAccount in every active namespace, as
 * Kubernetes does (pods name it implicitly and kubectl users expect to see it).
 *
 * Primary: Namespaces. Secondary: ServiceAccounts named "default". Triggers: namespace
 * add/update, and the deletion of a `default` ServiceAccount (it is re-created).
 */
import { isAlreadyExists, isApiError, RESOURCES, type Namespace, type ServiceAccount } from "@kates/api";
import { objectKey, runWorkers, waitForCacheSync, WorkQueue, type Informer } from "@kates/client";
import type { Controller, ControllerContext } from "../../controller-context.js";

const NAMESPACES = RESOURCES.find((ri) => ri.resource === "namespaces")!;
const SERVICE_ACCOUNTS = RESOURCES.find((ri) => ri.resource === "serviceaccounts")!;
/** The ServiceAccount every namespace gets. */
export const DEFAULT_SERVICE_ACCOUNT = "default";

/** The service account controller (see the file header). */
export class ServiceAccountController implements Controller {
  private readonly queue = new WorkQueue<string>();
  private readonly namespaces: Informer<Namespace>;
  private readonly serviceAccounts: Informer<ServiceAccount>;

  constructor(private readonly ctx: ControllerContext) {
    this.namespaces = ctx.informers.informerFor<Namespace>(NAMESPACES);
    this.serviceAccounts = ctx.informers.informerFor<ServiceAccount>(SERVICE_ACCOUNTS);
    this.namespaces.on("add", (ns) => this.queue.add(objectKey(ns)));
    this.namespaces.on("update", (_old, ns) => this.queue.add(objectKey(ns)));
    this.serviceAccounts.on("delete", (sa) => {
      if (sa.metadata.name === DEFAULT_SERVICE_ACCOUNT && sa.metadata.namespace) this.queue.add(sa.metadata.namespace);
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForCacheSync(signal, this.namespaces, this.serviceAccounts))) return;
    await runWorkers(this.queue, this.ctx.options.workers, (key) => this.syncNamespace(key), signal, this.ctx.log);
  }

  /** Creates the namespace's `default` ServiceAccount when it is missing. */
  async syncNamespace(name: string): Promise<void> {
    const ns = this.namespaces.lister.get(undefined, name);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === "Terminating") return;
    if (this.serviceAccounts.lister.get(name, DEFAULT_SERVICE_ACCOUNT)) return;
    try {
      await this.ctx.rest.resource<ServiceAccount>(SERVICE_ACCOUNTS, name).create({
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: name },
      });
      this.ctx.log.info({ namespace: name }, "created default service account");
    } catch (err) {
      // Already there (cache lag), or the namespace started terminating meanwhile.
      if (isAlreadyExists(err) || (isApiError(err) && err.code === 403)) return;
      throw err;
    }
  }
}
