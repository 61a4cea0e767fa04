/** A tiny element builder for the playground (no framework). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string | number | boolean>> = {},
  ...children: readonly (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k in e && typeof v !== 'string') (e as unknown as Record<string, unknown>)[k] = v
    else if (k === 'value' && 'value' in e) (e as unknown as { value: string }).value = String(v)
    else e.setAttribute(k, String(v))
  }
  e.append(...children)
  return e
}
