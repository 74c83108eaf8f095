import React from 'react';
import {act, screen, waitFor} from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import {openManager} from '../../actions';
import {getPluginState} from '../../selectors';
import {adminMe, API, makeTeam, mockFetch, renderWithRedux} from '../../testlib/test_utils';

import AdminHooksOverview from './admin_setting';
import HooksManager from './hooks_manager';
import ManagerRoot from './manager_root';

describe('HooksManager', () => {
    test('loads /me when needed and explains a missing permission', async () => {
        mockFetch({[`GET ${API}/me`]: {body: {...adminMe, can_manage_incoming: false, can_manage_outgoing: false}}});
        renderWithRedux(<HooksManager/>, {initialState: {'plugins-hookbridge': {me: null, meLoaded: false}}});
        expect(screen.getByRole('status')).toHaveTextContent('Loading');
        expect(await screen.findByText('You do not have permission to manage webhooks.')).toBeInTheDocument();
    });

    test('shows only the kinds the user may manage', async () => {
        mockFetch({[`GET ${API}/hooks/outgoing`]: {body: []}});
        renderWithRedux(<HooksManager/>, {initialState: {'plugins-hookbridge': {me: {...adminMe, can_manage_incoming: false}}}});
        expect(await screen.findByRole('heading', {name: 'Outgoing webhooks'})).toBeInTheDocument();
        expect(screen.queryByRole('tab')).not.toBeInTheDocument();
    });

    test('tabs switch with arrow keys', async () => {
        const user = userEvent.setup();
        mockFetch({[`GET ${API}/hooks/incoming`]: {body: []}, [`GET ${API}/hooks/outgoing`]: {body: []}});
        renderWithRedux(<HooksManager/>);
        const incoming = screen.getByRole('tab', {name: 'Incoming'});
        expect(incoming).toHaveAttribute('aria-selected', 'true');
        incoming.focus();
        await user.keyboard('{ArrowRight}');
        const outgoing = screen.getByRole('tab', {name: 'Outgoing'});
        expect(outgoing).toHaveAttribute('aria-selected', 'true');
        expect(outgoing).toHaveFocus();
        expect(screen.getByRole('tabpanel')).toHaveAccessibleName('Outgoing');
        expect(await screen.findByRole('heading', {name: 'Outgoing webhooks'})).toBeInTheDocument();
    });

    test('a team picker appears with several teams and reloads hooks', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({[`GET ${API}/hooks/incoming`]: {body: []}});
        renderWithRedux(<HooksManager/>, {initialState: {entities: {teams: {teams: {team1: makeTeam(), team2: makeTeam({id: 'team2', display_name: 'Another'})}, currentTeamId: 'team1'}}}});
        await user.selectOptions(screen.getByLabelText('Team'), 'team2');
        await waitFor(() => expect(calls.some((c) => c.url.includes('team_id=team2'))).toBe(true));
    });

    test('focus returns to the opening button after going back to the list', async () => {
        const user = userEvent.setup();
        mockFetch({[`GET ${API}/hooks/incoming`]: {body: []}});
        renderWithRedux(<HooksManager/>);
        await user.click(await screen.findByRole('button', {name: 'Add incoming webhook'}));
        await user.click(screen.getByRole('button', {name: 'Back to list'}));
        expect(screen.getByRole('button', {name: 'Add incoming webhook'})).toHaveFocus();
    });

    test('new hooks default to the channel the manager was opened from', async () => {
        const user = userEvent.setup();
        mockFetch({[`GET ${API}/hooks/incoming`]: {body: []}});
        renderWithRedux(<HooksManager channelId='chan2'/>);
        await user.click(await screen.findByRole('button', {name: 'Add incoming webhook'}));
        expect(screen.getByLabelText(/^Channel/)).toHaveValue('chan2');
    });
});

describe('ManagerRoot', () => {
    test('opens as a modal on OPEN_MANAGER and closes with Escape', async () => {
        const user = userEvent.setup();
        mockFetch({[`GET ${API}/hooks/incoming`]: {body: []}});
        const {store} = renderWithRedux(<ManagerRoot/>);
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
        act(() => {
            store.dispatch(openManager('chan1'));
        });
        expect(screen.getByRole('dialog', {name: 'Webhooks'})).toBeInTheDocument();
        await screen.findByRole('heading', {name: 'Incoming webhooks'});
        await user.keyboard('{Escape}');
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
        expect(getPluginState(store.getState()).manager.open).toBe(false);
    });

    test('renders nothing for users without permission', () => {
        const {store} = renderWithRedux(<ManagerRoot/>, {initialState: {'plugins-hookbridge': {me: {...adminMe, can_manage_incoming: false, can_manage_outgoing: false}}}});
        act(() => {
            store.dispatch(openManager());
        });
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    });
});

describe('AdminHooksOverview', () => {
    test('shows the manager inline', async () => {
        mockFetch({[`GET ${API}/hooks/incoming`]: {body: []}});
        renderWithRedux(
            <AdminHooksOverview
                id='HooksOverview'
                helpText='Managed by Hookbridge.'
            />,
        );
        expect(await screen.findByRole('heading', {name: 'Incoming webhooks'})).toBeInTheDocument();
        expect(screen.getByText('Managed by Hookbridge.')).toBeInTheDocument();
    });
});
