import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { zhCN } from '../../lib/i18n/zh-CN';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import { ImagesModel } from '../../lib/state/images.svelte';
import AnalysisTab from './AnalysisTab.svelte';
import ImagePage from './ImagePage.svelte';

function setup() {
  const api = new FakeApi();
  api.images = [fakeRow('app:2')];
  return { api, reference: api.images[0]!.reference };
}

/** The whole image page of the fake's first image, where the tabs hand over to each other. */
function renderPage(api: FakeApi) {
  render(ImagePage, {
    model: new ImagesModel(api),
    row: api.images[0]!,
    m: en,
    locale: 'en',
    onaction: () => {},
    onback: () => {},
  });
}

describe('AnalysisTab', () => {
  it("shows dive's score, wasted and hidden bytes, and each layer's visible and hidden bytes", async () => {
    const { api, reference } = setup();
    render(AnalysisTab, { api, reference, m: en, onfiles: () => {} });
    expect(await screen.findByTestId('analysis-efficiency')).toHaveTextContent('Efficiency 75.0 %');
    expect(screen.getByTestId('analysis-wasted')).toHaveTextContent('300 kB');
    expect(screen.getByTestId('analysis-hidden')).toHaveTextContent('300 kB of 1.1 MB stored');
    const layers = screen.getAllByTestId('analysis-layer');
    expect(layers).toHaveLength(2);
    expect(within(layers[0]!).getByTestId('layer-hidden')).toHaveTextContent('300 kB hidden');
    expect(within(layers[1]!).getByTestId('layer-hidden')).toHaveTextContent('0 B hidden');
    const hidden = screen.getByTestId('analysis-hidden-paths');
    expect(hidden).toHaveTextContent('/etc/motd');
    expect(hidden).toHaveTextContent('deleted');
    expect(hidden).toHaveTextContent('overwritten');
  });

  it('a path opens the Files tab at the layer that stores it', async () => {
    const { api, reference } = setup();
    renderPage(api);
    await userEvent.click(screen.getByRole('tab', { name: 'Analysis' }));
    const paths = await screen.findAllByTestId('hidden-path');
    await userEvent.click(paths[0]!);
    expect(await screen.findByTestId('files-layer')).toHaveValue('0');
    expect(api.calls.some((c) => c.method === 'analyzeImage' && c.arg === reference)).toBe(true);
    // Unfolded down to the path, which is marked; nothing else is.
    const etc = await screen.findByRole('treeitem', { name: /etc/, expanded: true });
    expect(etc).toHaveAttribute('data-path', 'etc');
    const motd = (await screen.findAllByTestId('file-entry')).find((e) => e.dataset.path === 'etc/motd');
    expect(motd).toHaveAttribute('data-revealed', 'true');
    expect(document.querySelectorAll('[data-revealed]')).toHaveLength(1);
    expect(api.calls.some((c) => c.method === 'imageFiles' && (c.arg as { dir: string }).dir === 'etc')).toBe(true);
  });

  it('a path from the Layers tab opens the Files tab folded', async () => {
    const { api } = setup();
    renderPage(api);
    await userEvent.click(screen.getByRole('tab', { name: 'Analysis' }));
    await userEvent.click((await screen.findAllByTestId('hidden-path'))[0]!);
    await screen.findByTestId('files-layer');
    await userEvent.click(screen.getByRole('tab', { name: 'Layers' }));
    await userEvent.click((await screen.findAllByTestId('layer-files'))[1]!);
    expect(await screen.findByTestId('files-layer')).toHaveValue('1');
    await screen.findAllByTestId('file-entry');
    expect(document.querySelectorAll('[data-revealed]')).toHaveLength(0);
    expect(screen.getByRole('treeitem', { name: /etc/ })).toHaveAttribute('aria-expanded', 'false');
  });

  it('speaks Chinese', async () => {
    const { api, reference } = setup();
    render(AnalysisTab, { api, reference, m: zhCN, onfiles: () => {} });
    expect(await screen.findByTestId('analysis-efficiency')).toHaveTextContent('效率');
    expect(screen.getByText('被隐藏的文件')).toBeInTheDocument();
  });
});
