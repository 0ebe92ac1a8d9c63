import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { HOST, namespaceNode, renderManaged } from './managedFixture';

describe('DeleteManagedDialog', () => {
  it('names the repository and its tag count, and deletes only once the name is typed', async () => {
    const { api } = await renderManaged();
    await userEvent.click(within(namespaceNode('team')).getByText('team'));
    await userEvent.click(within(await screen.findByTestId('tree-repository')).getByRole('button'));
    await userEvent.click(await screen.findByTestId('delete-repository-open'));
    const dialog = await screen.findByTestId('delete-managed-dialog');
    await waitFor(() =>
      expect(within(dialog).getByTestId('delete-managed-question')).toHaveTextContent('Delete repository team/app and its 3 tags?'),
    );
    const submit = within(dialog).getByTestId('delete-managed-submit');
    expect(submit).toBeDisabled();
    await userEvent.type(within(dialog).getByTestId('delete-managed-confirm'), 'team/ap');
    expect(submit).toBeDisabled();
    await userEvent.type(within(dialog).getByTestId('delete-managed-confirm'), 'p');
    await userEvent.click(submit);
    await waitFor(() => expect(screen.queryByTestId('delete-managed-dialog')).toBeNull());
    expect(api.calls.find((c) => c.method === 'deleteRepository')?.arg).toEqual({ registry: HOST, namespace: 'team', name: 'app' });
    expect(screen.getByTestId('registries-status')).toHaveTextContent('Deleted repository team/app.');
    expect(screen.queryByTestId('open-repository')).toBeNull();
    await waitFor(() => expect(screen.queryByTestId('tree-repository')).toBeNull());
  });

  it('names a namespace and how many repositories go with it', async () => {
    const { api } = await renderManaged();
    await userEvent.click(within(namespaceNode('team')).getByTestId('tree-delete-namespace'));
    const dialog = await screen.findByTestId('delete-managed-dialog');
    expect(within(dialog).getByTestId('delete-managed-question')).toHaveTextContent('Delete namespace team and its 1 repository?');
    await userEvent.type(within(dialog).getByTestId('delete-managed-confirm'), 'team');
    await userEvent.click(within(dialog).getByTestId('delete-managed-submit'));
    await waitFor(() => expect(screen.queryByTestId('delete-managed-dialog')).toBeNull());
    expect(api.calls.find((c) => c.method === 'deleteNamespace')?.arg).toEqual({ registry: HOST, name: 'team' });
    await waitFor(() => expect(screen.getAllByTestId('tree-namespace').map((n) => n.dataset.namespace)).toEqual(['empty']));
  });
});
