// Heavy libraries (ECharts, Cytoscape.js) load when a page first needs them, from the hub.
const loading = new Map();

/** Load a script of the hub once; resolves when it has run. */
export function loadScript(src) {
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
