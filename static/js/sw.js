// Kurslotse's service worker: the pages a learner opened last stay readable
// without signal. Served by the app at /sw.js (common.views.ServiceWorkerView)
// so its scope is the whole site; nothing is loaded from anywhere else.
//
// Network first: with signal a page is always fresh. A copy is kept only of
// answers the server marks "Kurslotse-Offline: keep" (common/offline.py says
// which: a signed-in learner's start page, bookings and course pages). The
// API is never touched. Signing in or out answers Clear-Site-Data, which
// drops every copy and this worker.
const PAGES = "kurslotse-pages-v1";
const ASSETS = "kurslotse-assets-v1";
const OFFLINE_URL = "/offline/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(ASSETS).then((cache) => cache.add(OFFLINE_URL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  const current = [PAGES, ASSETS];
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => !current.includes(n)).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// A copy without the "redirected" mark, which a navigation may not be answered with.
async function plain(response) {
  const body = await response.blob();
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

async function page(request) {
  try {
    const response = await fetch(request);
    if (response.ok && response.headers.get("Kurslotse-Offline") === "keep") {
      const cache = await caches.open(PAGES);
      const copy = await plain(response.clone());
      await cache.put(request.url, copy.clone());
      if (response.redirected) await cache.put(response.url, copy);
    }
    return response;
  } catch (offline) {
    const kept = await caches.match(request.url, { cacheName: PAGES, ignoreVary: true });
    return kept || (await caches.match(OFFLINE_URL, { cacheName: ASSETS })) || Response.error();
  }
}

async function asset(request) {
  try {
    const response = await fetch(request);
    if (response.ok) (await caches.open(ASSETS)).put(request, response.clone());
    return response;
  } catch (offline) {
    return (await caches.match(request, { cacheName: ASSETS })) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request));
  }
  // Everything else (the API, feeds, downloads) goes to the network untouched.
});
