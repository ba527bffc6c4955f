/** nginx (Debian's package) as a pod's web server: one process, a big backlog, no access log. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabProcess, NetnsLab, PodNs } from "../../test/integration/kube-proxy/netns-lab.js";

/** Starts nginx in `pod` on ports 80 and 8080, answering every GET with a short body naming the pod. */
export function startNginx(lab: NetnsLab, pod: PodNs, dir: string): LabProcess {
  const root = join(dir, pod.ns);
  mkdirSync(root, { recursive: true });
  const conf = join(root, "nginx.conf");
  writeFileSync(conf, `
# One process: a SIGKILLed master would leave its workers running in a deleted namespace.
master_process off;
worker_processes 1;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${root}/body;
  proxy_temp_path ${root}/proxy;
  fastcgi_temp_path ${root}/fastcgi;
  uwsgi_temp_path ${root}/uwsgi;
  scgi_temp_path ${root}/scgi;
  server {
    listen 80 backlog=4096 reuseport;
    listen 8080 backlog=4096 reuseport;
    location / { default_type text/plain; return 200 "${pod.ns}\\n"; }
  }
}
`);
  return lab.spawnIn(pod.ns, ["nginx", "-p", root, "-c", conf, "-g", "daemon off;"]);
}
