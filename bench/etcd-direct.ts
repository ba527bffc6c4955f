/**
 * The same operations the apiserver performs, done directly on etcd with the same client
 * library (etcd3) and the same low-level calls EtcdStore makes: put, range, and a put
 * guarded by a mod-revision comparison in a transaction. These are the baseline for ratios.
 */
import { Etcd3 } from "etcd3";

const PREFIX = "/bench-direct/pods/";

/** Direct etcd baseline for create (put), get (range) and update (txn-guarded put). */
export class EtcdDirect {
  readonly client: Etcd3;
  private readonly revisions = new Map<string, number>();

  constructor(endpoints: string[]) {
    this.client = new Etcd3({ hosts: endpoints, dialTimeout: 5000, grpcOptions: { "grpc.max_receive_message_length": 2 ** 31 - 1 } });
  }

  /** Plain put of `value` under `name`; remembers the revision for later guarded updates. */
  async put(name: string, value: Buffer): Promise<void> {
    const res = await this.client.kv.put({ key: Buffer.from(PREFIX + name), value });
    this.revisions.set(name, Number(res.header.revision));
  }

  /** Single-key range read; throws when the key is missing. */
  async get(name: string): Promise<Buffer> {
    const res = await this.client.kv.range({ key: Buffer.from(PREFIX + name) });
    const kv = res.kvs[0];
    if (!kv) throw new Error(`etcd get ${name}: not found`);
    return kv.value;
  }

  /** Put only if the key is still at the revision this client last wrote (optimistic concurrency). */
  async guardedUpdate(name: string, value: Buffer): Promise<void> {
    const key = Buffer.from(PREFIX + name);
    const rev = this.revisions.get(name);
    if (rev === undefined) throw new Error(`etcd update ${name}: never written`);
    const res = await this.client.kv.txn({
      compare: [{ key, target: "Mod", result: "Equal", mod_revision: rev }],
      success: [{ request_put: { key, value } }],
      failure: [],
    });
    if (!res.succeeded) throw new Error(`etcd update ${name}: revision ${rev} is stale`);
    this.revisions.set(name, Number(res.header.revision));
  }

  /** Full range read of a prefix (the etcd side of a consistent list). */
  async range(prefix: string): Promise<number> {
    const end = Buffer.from(prefix);
    end[end.length - 1]++;
    const res = await this.client.kv.range({ key: Buffer.from(prefix), range_end: end });
    return res.kvs.length;
  }

  close(): void {
    this.client.close();
  }
}
