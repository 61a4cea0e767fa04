/** Parameter naming shared by models, regularizers and diagnostics: a layer `L` owns `L.<local>`. */

/** Whether a parameter name denotes a weight matrix (`*.W`), as opposed to a bias or γ, β. */
export function isWeight(name: string): boolean {
  return name.endsWith('.W')
}

/** The full name of a layer's leaf. */
export function leafOf(layer: string, local: string): string {
  return `${layer}.${local}`
}
