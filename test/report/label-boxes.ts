import type { Page } from 'playwright-core';

export type Box = { x: number; y: number; width: number; height: number; text: string };

/** Pairs of boxes that overlap (by more than half a pixel both ways, so touching boxes do not count). */
export function overlaps(boxes: readonly Box[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i] as Box;
      const b = boxes[j] as Box;
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (w > 0.5 && h > 0.5) out.push(`${a.text} / ${b.text}`);
    }
  }
  return out;
}

/** The bounding box and text of every element the selector matches, as the page lays them out. */
export async function labelBoxes(page: Page, selector: string): Promise<Box[]> {
  return page.$$eval(selector, (nodes) =>
    nodes.map((node) => {
      const r = (node as unknown as { getBoundingClientRect(): Box }).getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height, text: node.textContent ?? '' };
    }),
  );
}
