// Heavy libraries (ECharts, Cytoscape.js) load when a page first needs them, from the hub.
const loading = new Map();

/** Load a script of the hub once; resolves when it has run. */
export function loadScript(src) {
  const early = (window.cityhubEarly || {}).scripts || {};
  if (!loading.has(src) && early[src]) {
    // the page's head started it (early.js): the same script, not loaded twice
    loading.set(
      src,
      early[src].catch(() => {
        delete early[src];
        loading.delete(src);
        return loadScript(src);
      }),
    );
  }
  if (!loading.has(src)) {
    loading.set(
      src,
      new Promise((resolve, reject) => {
        const tag = document.createElement("script");
        tag.src = src;
        tag.onload = resolve;
        tag.onerror = () => {
          loading.delete(src);
          reject(new Error(`无法加载 ${src}`));
        };
        document.head.appendChild(tag);
      }),
    );
  }
  return loading.get(src);
}
