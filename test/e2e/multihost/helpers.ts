/** Shared by the multi-host e2e suites: waiting, pod listings and small manifests. */
import type { MultiHostCluster } from "../../harness/dind.js";

/** Polls `check` until it returns true; on timeout throws with the cluster's state and logs. */
export async function until(lab: MultiHostCluster, check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const state = (await lab.kubectl(["get", "nodes,pods,svc,endpoints", "-A", "-o", "wide"])).stdout;
      throw new Error(`${what}: not reached in ${timeoutMs} ms\n${state}\n${await lab.logs(40)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A pod as `kubectl get pods -o wide` shows it. */
export interface PodRow {
  name: string;
  ready: string;
  status: string;
  ip: string;
  node: string;
}

/** Rows of `kubectl get pods -o wide` for a label selector (terminating pods excluded). */
export async function pods(lab: MultiHostCluster, selector: string): Promise<PodRow[]> {
  const r = await lab.kubectl(["get", "pods", "-l", selector, "-o", "wide", "--no-headers"]);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/))
    .map(([name, ready, status, , , ip, node]) => ({ name: name!, ready: ready!, status: status!, ip: ip!, node: node! }))
    .filter((p) => p.status !== "Terminating");
}

/** Node name -> podCIDR. */
export async function podCIDRs(lab: MultiHostCluster): Promise<Map<string, string>> {
  const r = await lab.kubectl(["get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR}{\"\\n\"}{end}"]);
  return new Map(r.stdout.split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]));
}

/** Whether an IPv4 address lies in a CIDR. */
export function inCIDR(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const n = (a: string) => a.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (n(ip) & mask) === (n(base!) & mask);
}

/**
 * A Deployment of busybox httpd on :8080 answering its own pod name on `/`, so a client can
 * count distinct backends, and the client's address as it arrived on `/cgi-bin/ip` (to see
 * whether traffic was NATed). The name comes from the downward API, not `hostname`: the shim
 * sets a pooled sandbox's hostname a moment after start, so a process reading it at once may
 * see the pool container's. Ready while /tmp/ready exists (remove it to
 * turn a pod not-ready). The requests make the scheduler spread replicas over the nodes;
 * `nodeName` pins every replica to one node instead.
 */
export function webDeployment(name: string, replicas: number, opts: { labels?: Record<string, string>; nodeName?: string } = {}): string {
  const labels = opts.labels ?? { app: name };
  const script = [
    "mkdir -p /www/cgi-bin",
    'echo "$POD_NAME" > /www/index.html',
    "printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip",
    "chmod +x /www/cgi-bin/ip",
    "touch /tmp/ready",
    'trap "exit 0" TERM; httpd -f -p 8080 -h /www & wait',
  ].join(" && ");
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 2,
          ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
          containers: [
            {
              name: "web",
              image: "busybox:1.36",
              command: ["sh", "-c", script],
              env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
              ports: [{ name: "http", containerPort: 8080 }],
              resources: { requests: { cpu: "100m", memory: "16Mi" } },
              // One failed probe turns it not-ready within ~1 s; the generous timeout keeps a slow
              // `docker exec` on a loaded 2-core machine from flapping it.
              readinessProbe: { exec: { command: ["test", "-f", "/tmp/ready"] }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 10 },
            },
          ],
        },
      },
    },
  });
}

/** A long-running busybox client pod pinned to a node (for wget/nslookup from inside pods). */
export function clientPod(name: string, node: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { role: "client" } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", 'trap "exit 0" TERM; sleep 100000 & wait'] }],
    },
  });
}

// Debian's busybox 1.35 wget segfaults with -T, so requests are bounded with `timeout` instead.

/** `wget -qO- URL` from inside a pod; resolves with the body, or "" when the request failed. */
export async function wgetFromPod(lab: MultiHostCluster, pod: string, url: string, timeoutS = 3): Promise<string> {
  const r = await lab.kubectl(["exec", pod, "--", "timeout", String(timeoutS), "wget", "-qO-", url], { timeoutMs: (timeoutS + 20) * 1000 });
  return r.code === 0 ? r.stdout.trim() : "";
}

/** The client address busybox httpd's CGI reports (`[::ffff:10.244.1.3]`) as plain IPv4. */
export function remoteAddr(cgiOutput: string): string {
  return cgiOutput.trim().replace(/^\[?(::ffff:)?/, "").replace(/\]$/, "");
}

/** A Service in front of {@link webDeployment}'s pods: port 80 to the named port `http`. */
export function webService(name: string, selector: Record<string, string>, type: "ClusterIP" | "NodePort" | "LoadBalancer" = "ClusterIP"): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { type, selector, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
  });
}

/** `count` requests from inside a pod (one kubectl exec); one line per request, "FAIL" for a failed one. */
export async function wgetLoop(lab: MultiHostCluster, pod: string, url: string, count: number): Promise<string[]> {
  const script = `for i in $(seq ${count}); do timeout 2 wget -qO- ${url} 2>/dev/null || echo FAIL; done`;
  const r = await lab.kubectl(["exec", pod, "--", "sh", "-c", script], { timeoutMs: count * 3_000 + 30_000 });
  return r.stdout.split("\n").map((l) => l.trim()).filter(Boolean);
}

/** `count` requests from a host's own network namespace (curl); one line per request, "FAIL" for a failed one. */
export async function curlLoop(host: { exec(cmd: string, o?: { timeoutMs?: number }): Promise<{ stdout: string }> }, url: string, count: number): Promise<string[]> {
  const script = `for i in $(seq ${count}); do curl -sf -m 2 ${url} || echo FAIL; done`;
  const r = await host.exec(script, { timeoutMs: count * 3_000 + 30_000 });
  return r.stdout.split("\n").map((l) => l.trim()).filter(Boolean);
}

/** Ready and not-ready addresses of a Service's Endpoints object. */
export async function endpoints(lab: MultiHostCluster, service: string): Promise<{ ready: string[]; notReady: string[] }> {
  const r = await lab.kubectl(["get", "endpoints", service, "-o", "jsonpath={.subsets[*].addresses[*].ip}|{.subsets[*].notReadyAddresses[*].ip}"]);
  const [ready = "", notReady = ""] = r.stdout.split("|");
  return { ready: ready.split(/\s+/).filter(Boolean).sort(), notReady: notReady.split(/\s+/).filter(Boolean).sort() };
}
