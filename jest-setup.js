// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// @grafana/ui measures option text on a canvas (Combobox widths). jsdom has no canvas, so text
// width is estimated from its length.
HTMLCanvasElement.prototype.getContext = () => ({
  measureText: (text) => ({ width: String(text).length * 7 }),
});

// jsdom lacks the observers that @grafana/ui's scroll containers and menus create.
class NoopObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
global.IntersectionObserver = global.IntersectionObserver ?? NoopObserver;
global.ResizeObserver = global.ResizeObserver ?? NoopObserver;
