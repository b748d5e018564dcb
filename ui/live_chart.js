// A Plotly chart that stays on the page across reruns and is redrawn in place (see ui/live_chart.py).
// Streamlit calls this function again, with the same parentElement, whenever the figure changes.
// data: {figure, config, chunk} from live_chart.draw.

// Streamlit's own Plotly bundle sets window.Plotly when it is first evaluated. A page whose other charts
// have not loaded it yet imports that same file: the browser fetches and evaluates it once for both.
async function plotly(chunk) {
  if (!window.Plotly) {
    const index = document.querySelector('script[type="module"][src*="static/js/index."]');
    await import(new URL(chunk, index ? index.src : document.baseURI).href);
  }
  return window.Plotly;
}

export default async function ({ parentElement, data }) {
  let gd = parentElement.querySelector(":scope > .gdl-live-chart");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "gdl-live-chart";
    parentElement.appendChild(gd);
  }
  const Plotly = await plotly(data.chunk);
  await Plotly.react(gd, data.figure.data, data.figure.layout, data.config);
  // The column can change width without the window resizing (the sidebar folded or unfolded). A chart that
  // is leaving the page (another page opened) shrinks to 0 first: Plotly refuses to resize a hidden chart.
  let width = gd.clientWidth;
  const watch = new ResizeObserver(() => {
    if (gd.isConnected && gd.clientWidth > 0 && gd.clientWidth !== width) {
      width = gd.clientWidth;
      Plotly.Plots.resize(gd);
    }
  });
  watch.observe(gd);
  return () => watch.disconnect(); // before the next figure is drawn; the chart itself stays
}
