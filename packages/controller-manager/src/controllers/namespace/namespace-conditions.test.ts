import { describe, expect, it } from "vitest";
import { deletionConditions, sameConditions } from "./namespace-conditions.js";

const T0 = "2024-05-01T10:00:00Z";
const T1 = "2024-05-01T10:00:05Z";

describe("deletionConditions", () => {
  it("says which resources and finalizers remain", () => {
    const cs = deletionConditions({ remaining: new Map([["pods.", 2], ["configmaps.", 1]]), finalizers: new Map([["example.com/hold", 1]]), failures: [] }, [], T0);
    const by = Object.fromEntries(cs.map((c) => [c.type, c]));
    expect(by.NamespaceContentRemaining).toMatchObject({ status: "True", reason: "SomeResourcesRemain", message: "Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances" });
    expect(by.NamespaceFinalizersRemaining).toMatchObject({ status: "True", message: "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances" });
    expect(by.NamespaceDeletionContentFailure).toMatchObject({ status: "False", reason: "ContentDeleted" });
  });

  it("reports failures and keeps transition times of unchanged conditions", () => {
    const first = deletionConditions({ remaining: new Map([["pods.", 1]]), finalizers: new Map(), failures: [] }, [], T0);
    const second = deletionConditions({ remaining: new Map(), finalizers: new Map(), failures: ["delete pods. p: boom"] }, first, T1);
    const by = Object.fromEntries(second.map((c) => [c.type, c]));
    expect(by.NamespaceDeletionContentFailure).toMatchObject({ status: "True", lastTransitionTime: T1 });
    expect(by.NamespaceContentRemaining).toMatchObject({ status: "False", lastTransitionTime: T1 });
    expect(by.NamespaceDeletionDiscoveryFailure!.lastTransitionTime).toBe(T0);
    expect(sameConditions(first, second)).toBe(false);
    expect(sameConditions(second, deletionConditions({ remaining: new Map(), finalizers: new Map(), failures: ["delete pods. p: boom"] }, second, "later"))).toBe(true);
  });
});
