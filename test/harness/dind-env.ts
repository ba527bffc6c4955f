// Imported before testcontainers: without a reachable registry its reaper (Ryuk) image cannot
// be pulled, so the harness removes what it creates itself (see dind.ts).
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
