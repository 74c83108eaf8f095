import React from 'react';
import {screen, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type {ActionResult, Thunk} from '../../actions';
import {ClientError} from '../../client';
import {makeChannel, renderWithRedux} from '../../testlib/test_utils';

import HookList, {channelMention, hookTitle} from './hook_list';
import type {ListedHook} from './hook_list';

function answer<T>(result: ActionResult<T>): Thunk<ActionResult<T>> {
    return async () => result;
}

function failure(message: string): ActionResult<never> {
    return {error: new ClientError('/x', {message}, 500)};
}

const hooks: ListedHook[] = [
    {id: 'h1', display_name: 'Build bot', description: 'CI notifications', enabled: true},
    {id: 'h2', display_name: '', description: '', enabled: false, disabled_reason: 'Receiver answered 410 Gone'},
];

type Overrides = Partial<React.ComponentProps<typeof HookList<ListedHook>>>;

function renderList(overrides: Overrides = {}) {
    const props = {
        kind: 'outgoing' as const,
        hooks,
        onCreate: jest.fn(),
        onEdit: jest.fn(),
        load: jest.fn(() => answer<unknown>({data: []})),
        setEnabled: jest.fn(() => answer<unknown>({data: {}})),
        remove: jest.fn(() => answer<unknown>({data: undefined})),
        ...overrides,
    };
    const result = renderWithRedux(
        <HookList
            teamId='team1'
            emptyText='Nothing here yet.'
            details={(hook) => <div>{`Details of ${hook.id}`}</div>}
            {...props}
        />,
    );
    return {...props, unmount: result.unmount};
}

describe('hook list helpers', () => {
    test('hookTitle falls back for untitled hooks', () => {
        expect(hookTitle({display_name: 'Build bot'}, 'Untitled')).toBe('Build bot');
        expect(hookTitle({display_name: ''}, 'Untitled')).toBe('Untitled');
    });

    test('channelMention names known channels only', () => {
        const channels = {chan1: makeChannel(), chan2: makeChannel({id: 'chan2', display_name: '', name: 'dev'})};
        expect(channelMention(channels, 'chan1')).toBe('~Town Square');
        expect(channelMention(channels, 'chan2')).toBe('~dev');
        expect(channelMention(channels, 'nope')).toBe('unknown channel');
    });
});

describe('HookList', () => {
    test('loads the team hooks and lists each with its title, state and details', async () => {
        const {load, onCreate, onEdit} = renderList();
        expect(load).toHaveBeenCalledWith('team1');
        expect(screen.getByRole('heading', {name: 'Outgoing webhooks'})).toBeInTheDocument();

        const first = screen.getByRole('listitem', {name: 'Build bot'});
        expect(within(first).getByText('CI notifications')).toBeInTheDocument();
        expect(within(first).getByText('Details of h1')).toBeInTheDocument();
        expect(within(first).getByRole('switch', {name: 'Enable Build bot'})).toHaveAttribute('aria-checked', 'true');

        const second = screen.getByRole('listitem', {name: 'Untitled outgoing webhook'});
        expect(within(second).getByText('Disabled')).toHaveAttribute('title', 'Receiver answered 410 Gone');
        expect(within(second).getByText('Disabled: Receiver answered 410 Gone')).toBeInTheDocument();

        const user = userEvent.setup();
        await user.click(screen.getByRole('button', {name: 'Add outgoing webhook'}));
        expect(onCreate).toHaveBeenCalled();
        await user.click(within(first).getByRole('button', {name: 'Edit Build bot'}));
        expect(onEdit).toHaveBeenCalledWith('h1');
    });

    test('says so when the team has none, or when loading failed', async () => {
        const {unmount} = renderList({kind: 'incoming', hooks: []});
        expect(screen.getByRole('status')).toHaveTextContent('Loading…');
        expect(await screen.findByText('Nothing here yet.')).toBeInTheDocument();
        unmount();

        renderList({kind: 'incoming', hooks: [], load: () => answer<unknown>(failure('No permission.'))});
        expect(await screen.findByRole('alert')).toHaveTextContent('No permission.');
        expect(screen.queryByText('Nothing here yet.')).not.toBeInTheDocument();
    });

    test('a failed toggle is reported under its row', async () => {
        const user = userEvent.setup();
        const {setEnabled} = renderList({setEnabled: jest.fn(() => answer<unknown>(failure('Could not save.')))});
        const first = screen.getByRole('listitem', {name: 'Build bot'});
        await user.click(within(first).getByRole('switch'));
        expect(setEnabled).toHaveBeenCalledWith(hooks[0], false);
        expect(await within(first).findByRole('alert')).toHaveTextContent('Could not save.');
    });

    test('extra actions sit between Edit and Delete and report under their row', async () => {
        const user = userEvent.setup();
        renderList({
            actions: (hook, title, setStatus) => (
                <button
                    type='button'
                    onClick={() => setStatus({ok: true, text: `Pinged ${hook.id}.`})}
                >
                    {`Ping ${title}`}
                </button>
            ),
        });
        const first = screen.getByRole('listitem', {name: 'Build bot'});
        const buttons = within(first).getAllByRole('button').map((b) => b.textContent);
        expect(buttons).toEqual(['Edit', 'Ping Build bot', 'Delete']);
        await user.click(within(first).getByRole('button', {name: 'Ping Build bot'}));
        expect(within(first).getByRole('status')).toHaveTextContent('Pinged h1.');
    });

    test('deleting moves focus to the list heading', async () => {
        const user = userEvent.setup();
        const {remove} = renderList();
        await user.click(screen.getByRole('button', {name: 'Delete Build bot'}));
        await user.click(screen.getByRole('button', {name: 'Delete'}));
        expect(remove).toHaveBeenCalledWith('h1');
        expect(screen.getByRole('heading', {name: 'Outgoing webhooks'})).toHaveFocus();
    });
});
