import { describe, expect, it } from "vitest";
import { containerName, isPoolName, parseName, poolName, sandboxName } from "./naming.js";

const pod = { name: "web-0", namespace: "prod", uid: "1234-abcd", attempt: 2 };

describe("naming", () => {
  it("builds cri-dockerd style names", () => {
    expect(sandboxName(pod)).toBe("k8s_POD_web-0_prod_1234-abcd_2");
    expect(containerName({ name: "nginx", attempt: 3 }, pod)).toBe("k8s_nginx_web-0_prod_1234-abcd_3");
  });

  it("parses what it builds, with or without Docker's leading slash", () => {
    expect(parseName("/" + sandboxName(pod))).toEqual({ container: "POD", pod, attempt: 2 });
    expect(parseName(containerName({ name: "nginx", attempt: 3 }, pod))).toEqual({ container: "nginx", pod: { ...pod, attempt: 0 }, attempt: 3 });
  });

  it("rejects foreign names", () => {
    expect(parseName("/nginx")).toBeUndefined();
    expect(parseName("k8s_a_b_c_d")).toBeUndefined();
    expect(parseName("k8s_a_b_c_d_x")).toBeUndefined();
    expect(parseName("other_a_b_c_d_1")).toBeUndefined();
  });

  it("tells pool names apart", () => {
    expect(isPoolName("/" + poolName("abc"))).toBe(true);
    expect(isPoolName(sandboxName(pod))).toBe(false);
  });
});
