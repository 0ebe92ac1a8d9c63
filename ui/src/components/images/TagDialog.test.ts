import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { FakeApi } from '../../lib/ipc/fake';
import { fakeRow } from '../../lib/ipc/fake-images';
import { ImagesModel } from '../../lib/state/images.svelte';
import ImagesScreen from './ImagesScreen.svelte';

async function openTag() {
  const api = new FakeApi();
  api.images = [fakeRow('nginx:1.25')];
  render(ImagesScreen, { model: new ImagesModel(api), m: en, locale: 'en' });
  const row = (await screen.findAllByTestId('image-row'))[0]!;
  await userEvent.click(row.querySelector('[data-action="tag"]')!);
  return api;
}

describe('TagDialog', () => {
  it('shows the full name as it is typed, then tags', async () => {
    const api = await openTag();
    await userEvent.type(screen.getByTestId('tag-input'), 'web:v2');
    expect(await screen.findByTestId('tag-full')).toHaveTextContent('Full name: docker.io/library/web:v2');
    await new Promise((r) => setTimeout(r, 400));
    expect(screen.getByTestId('tag-full')).toBeInTheDocument();
    await userEvent.click(screen.getByTestId('tag-submit'));
    expect(api.calls.find((c) => c.method === 'tagImage')?.arg).toEqual({
      source: 'docker.io/library/nginx:1.25',
      target: 'web:v2',
    });
    expect(await screen.findByTestId('images-status')).toHaveTextContent('Tagged as web:v2.');
    expect(screen.getAllByTestId('image-row')).toHaveLength(2);
  });

  it('explains a name that is not one and does not tag', async () => {
    const api = await openTag();
    await userEvent.type(screen.getByTestId('tag-input'), 'Bad Name');
    expect(await screen.findByTestId('tag-error')).toHaveTextContent('is not a valid image reference');
    expect(screen.getByTestId('tag-submit')).toBeDisabled();
    expect(api.calls.some((c) => c.method === 'tagImage')).toBe(false);
  });
});
