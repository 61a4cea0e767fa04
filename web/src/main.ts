/** The playground page: panels behind tabs, each running the library in the page. */
import { backpropPanel } from './backprop.js'
import { classifierPanel } from './classifier.js'
import { optimizersPanel } from './optimizers.js'
import { teachingPanels } from './teachingPanels.js'

const panels: Record<string, (root: HTMLElement) => void> = { backprop: backpropPanel, classifier: classifierPanel, optimizers: optimizersPanel, ...teachingPanels }
const built = new Set<string>()

function show(name: string): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) b.classList.toggle('active', b.dataset['panel'] === name)
  for (const s of document.querySelectorAll<HTMLElement>('section.panel')) s.hidden = s.id !== name
  const root = document.getElementById(name)
  if (root !== null && !built.has(name)) {
    built.add(name)
    panels[name]?.(root)
  }
}

for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) b.addEventListener('click', () => show(b.dataset['panel']!))
show(location.hash.slice(1) in panels ? location.hash.slice(1) : 'backprop')
