/**
 * Marking a bad field: the field gets `aria-invalid` and the `bad` class, and its one-line message
 * appears right after it (and goes when the field is cleared). Every panel reads its fields
 * strictly and marks the first one at fault; nothing runs until it is fixed.
 */
import { el } from './dom.js'

/** Marks `field` with `message`, or clears its mark when `message` is undefined. */
export function markField(field: HTMLElement, message: string | undefined): void {
  const id = `${field.id}-msg`
  document.getElementById(id)?.remove()
  field.classList.toggle('bad', message !== undefined)
  if (message === undefined) {
    field.removeAttribute('aria-invalid')
    field.removeAttribute('aria-describedby')
    return
  }
  field.setAttribute('aria-invalid', 'true')
  field.setAttribute('aria-describedby', id)
  field.after(el('span', { id, class: 'field-msg', role: 'alert' }, message))
}

/** Clears the marks of every field under `root`. */
export function clearMarks(root: HTMLElement): void {
  for (const f of root.querySelectorAll<HTMLElement>('[aria-invalid="true"]')) markField(f, undefined)
}
