/** The teaching panels the lecture notes point to, by section id (index.html has a tab and a section for each). */
import { galleryPanel } from './gallery.js'
import { initPanel } from './initPanel.js'
import { spaceWarpPanel } from './spaceWarp.js'
import { svmSoftmaxPanel } from './svmSoftmax.js'

export const teachingPanels: Readonly<Record<string, (root: HTMLElement) => void>> = {
  warp: spaceWarpPanel,
  svm: svmSoftmaxPanel,
  gallery: galleryPanel,
  init: initPanel,
}
