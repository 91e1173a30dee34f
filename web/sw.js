// LocalSynth's service worker: the served site as an installable offline app.
// On install it caches every file of manifest.json (the page, the Pyodide runtime, the wheels),
// each checked against its sha256 there (a mismatch fails the install, naming the file, and the
// version the browser has stays in use). Then every request of this site is answered from that
// cache, so the page opens and works with the network cut or the server gone. A new build has
// another VERSION (build_wheel.py writes it: a hash of the manifest's files), so the browser installs
// it beside the old one; it waits until the user chooses to update on the page (js/offline.js).
const VERSION = "__LOCALSYNTH_VERSION__";
const CACHE = `localsynth-${VERSION}`;
const SKIP = new Set(["sw.js", "serve.py"]);

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function fill() {
  const scope = self.registration.scope;
  const resp = await fetch(new URL("manifest.json", scope), { cache: "no-store" });
  if (!resp.ok) throw new Error(`manifest.json: HTTP ${resp.status}`);
  const manifest = await resp.clone().json();
  if (manifest.version !== VERSION) throw new Error(`manifest.json is version ${manifest.version}, not ${VERSION}`);
  const cache = await caches.open(CACHE);
  const old = (await caches.keys()).filter((k) => k.startsWith("localsynth-") && k !== CACHE);
  const names = Object.keys(manifest.files).filter((n) => !SKIP.has(n));
  let next = 0;
  async function one() {
    while (next < names.length) {
      const name = names[next++];
      const url = new URL(name, scope).href;
      // unchanged files (the runtime) come from the version already here, not the network
      let hit = null;
      for (const k of old) {
        hit = await (await caches.open(k)).match(url);
        if (hit) break;
      }
      const fresh = hit || (await fetch(url, { cache: "no-store" }));
      if (!fresh.ok) throw new Error(`${name}: HTTP ${fresh.status}`);
      const got = await sha256Hex(await fresh.clone().arrayBuffer());
      if (got !== manifest.files[name]) {
        if (hit) { // a stale copy: fetch it afresh once
          const again = await fetch(url, { cache: "no-store" });
          if (again.ok && (await sha256Hex(await again.clone().arrayBuffer())) === manifest.files[name]) {
            await cache.put(url, again);
            continue;
          }
        }
        throw new Error(`${name} does not match its sha256 in manifest.json; LocalSynth was not stored for offline use`);
      }
      await cache.put(url, fresh);
    }
  }
  await Promise.all([one(), one(), one(), one()]);
  await cache.put(new URL("manifest.json", scope).href, resp);
  await cache.put(scope, (await cache.match(new URL("index.html", scope).href)).clone());
}

self.addEventListener("install", (event) => {
  event.waitUntil(fill().catch(async (e) => {
    console.error("LocalSynth offline install failed:", e);
    await caches.delete(CACHE);
    throw e;
  }));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const k of await caches.keys()) if (k.startsWith("localsynth-") && k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "update-now") self.skipWaiting();
  if (event.data && event.data.type === "version" && event.ports[0]) event.ports[0].postMessage(VERSION);
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(req, { ignoreSearch: true });
    return hit || fetch(req);
  })());
});
