import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { HOST, namespaceNode, renderManaged } from './managedFixture';

describe('NewRepositoryDialog', () => {
  it('creates a private repository with summary and description, then opens it', async () => {
    const { api } = await renderManaged();
    await userEvent.click(within(namespaceNode('team')).getByTestId('tree-new-repository'));
    const dialog = await screen.findByTestId('new-repository-dialog');
    expect(within(dialog).getByTestId('new-repository-namespace')).toHaveValue('team');
    const submit = within(dialog).getByTestId('new-repository-submit');
    await userEvent.type(within(dialog).getByTestId('new-repository-name'), 'API');
    expect(within(dialog).getByTestId('new-repository-rule')).toHaveClass('st-error');
    await userEvent.clear(within(dialog).getByTestId('new-repository-name'));
    await userEvent.type(within(dialog).getByTestId('new-repository-name'), 'api');
    expect(submit).toBeDisabled(); // the summary is required
    await userEvent.type(within(dialog).getByTestId('new-repository-summary'), 'the API server');
    await userEvent.type(within(dialog).getByTestId('new-repository-detail'), 'Go, built on push.');
    await userEvent.click(submit);
    await waitFor(() => expect(screen.queryByTestId('new-repository-dialog')).toBeNull());
    expect(api.calls.find((c) => c.method === 'createRepository')?.arg).toEqual({
      registry: HOST,
      form: { namespace: 'team', name: 'api', summary: 'the API server', detail: 'Go, built on push.', public: false },
    });
    expect(await screen.findByTestId('open-repository')).toHaveTextContent(`${HOST}/team/api`);
    expect(await screen.findByTestId('repository-summary')).toHaveTextContent('the API server');
    expect(screen.getByTestId('repository-detail')).toHaveTextContent('Go, built on push.');
    expect(screen.getByTestId('open-visibility')).toHaveTextContent('Private');
  });

  it('shows public and private badges in the tree and the summary above the tags', async () => {
    await renderManaged();
    await userEvent.click(within(namespaceNode('team')).getByText('team'));
    const repo = await screen.findByTestId('tree-repository');
    expect(within(repo).getByTestId('repo-visibility')).toHaveTextContent('Public');
    await userEvent.click(within(repo).getByRole('button'));
    expect(await screen.findByTestId('repository-summary')).toHaveTextContent('the web app');
    expect(screen.getByTestId('repository-detail')).toHaveTextContent('Built nightly.');
    await waitFor(() => expect(screen.getAllByTestId('tag-row')).toHaveLength(3));
  });
});
