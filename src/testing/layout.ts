// jsdom lays nothing out, so every element measures 0 × 0. @grafana/ui's Combobox menus are
// virtualised and render only the rows that fit their measured height, so tests that open a
// menu give every element a fixed size first.
const SIZE = 400;

/** Makes every element measure 400 × 400 pixels, so Combobox menus render their options. */
export function mockElementSize(): void {
  jest.spyOn(Element.prototype, 'clientHeight', 'get').mockReturnValue(SIZE);
  jest.spyOn(Element.prototype, 'clientWidth', 'get').mockReturnValue(SIZE);
  jest.spyOn(HTMLElement.prototype, 'offsetHeight', 'get').mockReturnValue(SIZE);
  jest.spyOn(HTMLElement.prototype, 'offsetWidth', 'get').mockReturnValue(SIZE);
  jest.spyOn(Element.prototype, 'getBoundingClientRect').mockReturnValue({
    width: SIZE,
    height: SIZE,
    top: 0,
    left: 0,
    bottom: SIZE,
    right: SIZE,
    x: 0,
    y: 0,
    toJSON: () => ({}),
  });
}
