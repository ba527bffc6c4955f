/**
 * Content negotiation for `/api` and `/apis`: aggregated discovery if the client accepts it,
 * else the legacy APIVersions/APIGroupList documents.
 */

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
  index: number;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(",")
    .map((part, index) => {
      const [type = "", ...rest] = part.split(";").map((s) => s.trim());
      const params = new Map<string, string>();
      for (const p of rest) {
        const eq = p.indexOf("=");
        if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1"));
      }
      const q = params.has("q") ? Number(params.get("q")) : 1;
      return { type: type.toLowerCase(), params, q: Number.isNaN(q) ? 0 : q, index };
    })
    .filter((m) => m.type !== "" && m.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
}

/**
 * Which discovery document to send for an Accept header: the client's most preferred of
 * aggregated v2, aggregated v2beta1 and plain JSON. A missing header means legacy.
 */
export function negotiateDiscovery(acceptHeader: string | undefined): "v2" | "v2beta1" | "legacy" {
  for (const m of parseAccept(acceptHeader ?? "")) {
    const aggregated = m.params.get("g") === "apidiscovery.k8s.io" && m.params.get("as") === "APIGroupDiscoveryList";
    if (m.type === "application/json" && aggregated) {
      const v = m.params.get("v");
      if (v === "v2" || v === "v2beta1") return v;
      continue;
    }
    // A parameterised JSON type we do not serve (a Table, say) does not ask for legacy discovery.
    if (m.params.has("as") || m.params.has("g")) continue;
    if (m.type === "application/json" || m.type === "application/*" || m.type === "*/*") return "legacy";
  }
  return "legacy";
}
