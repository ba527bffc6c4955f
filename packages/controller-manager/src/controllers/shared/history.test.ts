import { describe, expect, it } from "vitest";
import type { ControllerRevision, DaemonSet, StatefulSet } from "@kates/api";
import { HASH_LABEL, newRevision, planUpdateRevision, revisionName, revisionsToTrim, templateOf } from "./history.js";
import { templateHash } from "../job/workload-utils.js";
import { statefulSetFixture } from "../job/testing.js";

const sts = statefulSetFixture;
const numbered = (set: StatefulSet, n: number): ControllerRevision => newRevision(set, "StatefulSet", n);

describe("newRevision", () => {
  it("names, labels, owns and fills a revision as Kubernetes does", () => {
    const set = sts();
    const r = newRevision(set, "StatefulSet", 4);
    const hash = templateHash(set.spec!.template);
    expect(r.metadata.name).toBe(`web-${hash}`);
    expect(r.metadata.name).toBe(revisionName(set));
    expect(r.metadata.labels).toEqual({ app: "nginx", [HASH_LABEL]: hash });
    expect(r.metadata.ownerReferences).toMatchObject([{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "sts-uid", controller: true }]);
    expect(r.data).toEqual({ spec: { template: { ...set.spec!.template, $patch: "replace" } } });
    expect(r.revision).toBe(4);
    expect(templateOf(r)).toEqual(set.spec!.template);
  });
});

describe("planUpdateRevision", () => {
  it("creates revision max+1 for a new template", () => {
    const plan = planUpdateRevision(sts("nginx:2"), "StatefulSet", [numbered(sts("nginx:1"), 1), numbered(sts("nginx:0"), 5)]);
    expect(plan.action).toBe("create");
    expect(plan.revision.revision).toBe(6);
  });

  it("starts at 1 with no history, and leaves the newest revision alone", () => {
    expect(planUpdateRevision(sts(), "StatefulSet", [])).toMatchObject({ action: "create", revision: { revision: 1 } });
    expect(planUpdateRevision(sts("nginx:2"), "StatefulSet", [numbered(sts("nginx:1"), 1), numbered(sts("nginx:2"), 2)]).action).toBe("none");
  });

  it("renumbers an older revision with the same template to the newest (rollback)", () => {
    const plan = planUpdateRevision(sts("nginx:1"), "StatefulSet", [numbered(sts("nginx:1"), 1), numbered(sts("nginx:2"), 2)]);
    expect(plan).toMatchObject({ action: "renumber", revision: { metadata: { name: revisionName(sts("nginx:1")) }, revision: 3 } });
  });

  it("refuses to reuse a same-named revision holding another template", () => {
    const clash = { ...numbered(sts("nginx:1"), 1), data: { spec: { template: { $patch: "replace" } } } };
    expect(() => planUpdateRevision(sts("nginx:1"), "StatefulSet", [clash])).toThrow(/hash collision/);
  });
});

describe("revisionsToTrim", () => {
  const history = [1, 2, 3, 4, 5].map((n) => numbered(sts(`nginx:${n}`), n));
  const name = (n: number) => history[n - 1].metadata.name!;

  it("deletes the oldest unused revisions beyond revisionHistoryLimit", () => {
    const trimmed = revisionsToTrim(sts("nginx:5", { revisionHistoryLimit: 1 }), history, [name(5)]);
    expect(trimmed.map((r) => r.revision)).toEqual([1, 2, 3]);
  });

  it("keeps revisions still in use, and ten by default", () => {
    const limited = revisionsToTrim(sts("nginx:5", { revisionHistoryLimit: 0 }), history, [name(1), name(4), name(5), undefined]);
    expect(limited.map((r) => r.revision)).toEqual([2, 3]);
    expect(revisionsToTrim(sts("nginx:5"), history, [])).toEqual([]);
  });
});

describe("a DaemonSet's revisions", () => {
  it("are owned by the DaemonSet and labelled with its selector", () => {
    const ds: DaemonSet = {
      apiVersion: "apps/v1", kind: "DaemonSet",
      metadata: { name: "agent", namespace: "kube-system", uid: "ds-uid" },
      spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "a", image: "agent:1" }] } } },
    };
    const r = newRevision(ds, "DaemonSet", 1);
    expect(r.metadata.name).toBe(`agent-${r.metadata.labels![HASH_LABEL]}`);
    expect(r.metadata.labels).toEqual({ app: "agent", [HASH_LABEL]: r.metadata.labels![HASH_LABEL] });
    expect(r.metadata.ownerReferences).toMatchObject([{ kind: "DaemonSet", name: "agent", uid: "ds-uid", controller: true }]);
    expect(templateOf(r)).toEqual(ds.spec!.template);
  });
});
