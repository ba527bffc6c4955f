/**
 * Keeps etcd's history bounded, as kube-apiserver does: every interval, compact to the
 * revision seen one interval ago (so watchers always have at least one interval of history),
 * then defragment each member. Several apiservers coordinate through one etcd key guarded
 * by its version, so each interval compacts once, whoever gets there first.
 */
import { Etcd3 } from "etcd3";
import type { Logger } from "pino";

export const COMPACT_REV_KEY = "/registry/compact_rev_key";
/** Where the last compacted revision is published, so every apiserver trims its watch caches. */
export const COMPACTED_REVISION_KEY = "/registry/compacted_revision";

export class Compactor {
  private timer: NodeJS.Timeout | undefined;
  private lastRevision = 0;
  private lastVersion = 0;

  constructor(
    private readonly client: Etcd3,
    private readonly endpoints: string[],
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly onCompacted: (revision: number) => void,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round: claim the interval via the version of COMPACT_REV_KEY, then compact. */
  async tick(): Promise<void> {
    try {
      const key = Buffer.from(COMPACT_REV_KEY);
      const res = await this.client.kv.txn({
        compare: [{ key, target: "Version", result: "Equal", version: this.lastVersion }],
        success: [{ request_put: { key, value: Buffer.from(String(this.lastRevision)) } }],
        failure: [{ request_range: { key } }],
      });
      const current = Number(res.header.revision);
      if (!res.succeeded) {
        // Someone else advanced the key: adopt their view and wait for the next interval.
        const kv = res.responses[0]?.response_range?.kvs?.[0];
        this.lastVersion = kv ? Number(kv.version) : 0;
        this.lastRevision = current;
        return;
      }
      this.lastVersion++;
      const target = this.lastRevision;
      this.lastRevision = current;
      if (target > 0) await this.compact(target);
    } catch (err) {
      this.log.warn({ err }, "compaction round failed");
    }
  }

  async compact(revision: number): Promise<void> {
    await this.client.kv.compact({ revision, physical: true });
    this.log.info({ revision }, "compacted etcd history");
    await this.client.kv.put({ key: Buffer.from(COMPACTED_REVISION_KEY), value: Buffer.from(String(revision)) });
    this.onCompacted(revision);
    for (const endpoint of this.endpoints) {
      const member = new Etcd3({ hosts: endpoint });
      try {
        await member.maintenance.defragment({});
      } catch (err) {
        this.log.warn({ err, endpoint }, "defragment failed");
      } finally {
        member.close();
      }
    }
  }
}
