import { describe, it, expect } from "vitest";
import { findResource, type KObject } from "@kates/api";
import { FakeApiServer } from "./fake-apiserver.js";
import { InformerFactory } from "./informer-factory.js";
import { RestClient } from "./rest-client.js";

describe("InformerFactory", () => {
  it("shares one informer per resource and selector, and starts late ones", async () => {
    const fake = new FakeApiServer();
    const rest = new RestClient({ server: await fake.start() });
    const ac = new AbortController();
    try {
      fake.put("/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" } });
      const factory = new InformerFactory(rest);
      const cms = findResource("", "v1", "configmaps")!;
      const one = factory.informerFor<KObject>(cms);
      expect(factory.informerFor<KObject>(cms)).toBe(one);
      expect(factory.informerFor<KObject>(cms, { labelSelector: "x=y" })).not.toBe(one);
      factory.start(ac.signal);
      const late = factory.informerFor<KObject>(findResource("", "v1", "secrets")!);
      expect(await factory.waitForCacheSync(ac.signal)).toBe(true);
      expect(late.hasSynced()).toBe(true);
      expect(one.lister.get("default", "a")).toBeDefined();
      // Two configmap informers and one secret informer: three lists, not four.
      expect(fake.requests.filter((r) => r.method === "GET" && r.query.get("watch") !== "true")).toHaveLength(3);
    } finally {
      ac.abort();
      rest.close();
      await fake.stop();
    }
  });
});
