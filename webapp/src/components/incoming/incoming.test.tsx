import React from 'react';
import {screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import {getPluginState} from '../../selectors';
import {API, makeIncomingHook, mockFetch, renderWithRedux} from '../../testlib/test_utils';
import HooksManager from '../hooks_manager/hooks_manager';

describe('incoming webhooks', () => {
    test('lists the team hooks with URL, channel and copy button', async () => {
        mockFetch({[`GET ${API}/hooks/incoming`]: {body: [makeIncomingHook(), makeIncomingHook({id: 'in2', display_name: 'Alerts', enabled: false, signature: {mode: 'github'}})]}});
        renderWithRedux(<HooksManager/>);

        const item = await screen.findByRole('listitem', {name: 'Build bot'});
        expect(within(item).getByText('http://localhost:8065/plugins/hookbridge/hooks/in1')).toBeInTheDocument();
        expect(within(item).getByText(/Posts to ~Town Square \(locked\)/)).toBeInTheDocument();
        expect(within(item).getByRole('button', {name: 'Copy URL of Build bot'})).toBeInTheDocument();

        const disabled = screen.getByRole('listitem', {name: 'Alerts'});
        expect(within(disabled).getByText('Disabled')).toBeInTheDocument();
        expect(within(disabled).getByText('github signature')).toBeInTheDocument();
        expect(within(disabled).getByRole('switch', {name: 'Enable Alerts'})).toHaveAttribute('aria-checked', 'false');
    });

    test('creates a hook and then shows its URL', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({
            [`GET ${API}/hooks/incoming`]: {body: []},
            [`POST ${API}/hooks/incoming`]: (call) => ({status: 201, body: makeIncomingHook({...(call.body as object), id: 'new1', url: 'http://localhost:8065/plugins/hookbridge/hooks/new1'})}),
        });
        const {store} = renderWithRedux(<HooksManager/>);

        await user.click(await screen.findByRole('button', {name: 'Add incoming webhook'}));
        expect(screen.getByRole('heading', {name: 'Add incoming webhook'})).toHaveFocus();

        await user.type(screen.getByLabelText('Title'), 'Grafana');
        await user.selectOptions(screen.getByLabelText(/^Channel/), 'chan2');
        await user.selectOptions(screen.getByLabelText('Signature verification'), 'github');
        await user.type(screen.getByLabelText('Signing secret'), 's3cret');
        await user.click(screen.getByRole('button', {name: 'Add IP address or range'}));
        expect(screen.getByLabelText('IP address or range 1')).toHaveFocus();
        await user.keyboard(' 10.0.0.0/8 {Enter}');
        expect(screen.getByLabelText('IP address or range 2')).toHaveFocus();
        const rate = screen.getByLabelText('Rate limit (requests per minute)');
        await user.clear(rate);
        await user.type(rate, '30');
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));

        await screen.findByText(/Incoming webhook created/);
        const post = calls.find((c) => c.method === 'POST');
        expect(post?.body).toEqual({
            team_id: 'team1',
            channel_id: 'chan2',
            display_name: 'Grafana',
            description: '',
            username: '',
            icon_url: '',
            channel_locked: true,
            enabled: true,
            signature: {mode: 'github', secret: 's3cret'},
            allowed_ips: ['10.0.0.0/8'],
            rate_limit: {per_minute: 30},
        });
        expect(screen.getByLabelText('Webhook URL')).toHaveValue('http://localhost:8065/plugins/hookbridge/hooks/new1');
        expect(getPluginState(store.getState()).incomingHooks.new1).toBeDefined();
    });

    test('blocks submit and focuses the first invalid field', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({[`GET ${API}/hooks/incoming`]: {body: []}});
        renderWithRedux(<HooksManager/>);
        await user.click(await screen.findByRole('button', {name: 'Add incoming webhook'}));
        await user.type(screen.getByLabelText('Title'), 'x'.repeat(65));
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));

        expect(await screen.findByText('Title must be at most 64 bytes.')).toBeInTheDocument();
        expect(screen.getByText('Choose a channel.')).toBeInTheDocument();
        expect(screen.getByLabelText('Title')).toHaveFocus();
        expect(screen.getByLabelText('Title')).toHaveAttribute('aria-invalid', 'true');
        expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    });

    test('shows a server error inline next to the field it names', async () => {
        const user = userEvent.setup();
        mockFetch({
            [`GET ${API}/hooks/incoming`]: {body: []},
            [`POST ${API}/hooks/incoming`]: {status: 400, body: {id: 'x', message: 'Username is reserved.', status_code: 400, field: 'username'}},
        });
        renderWithRedux(<HooksManager/>);
        await user.click(await screen.findByRole('button', {name: 'Add incoming webhook'}));
        await user.selectOptions(screen.getByLabelText(/^Channel/), 'chan1');
        await user.type(screen.getByLabelText('Username'), 'system');
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));

        const username = screen.getByLabelText('Username');
        await waitFor(() => expect(username).toHaveAttribute('aria-invalid', 'true'));
        expect(username).toHaveAccessibleDescription(expect.stringContaining('Username is reserved.'));
        expect(username).toHaveFocus();
    });

    test('server errors without a field show as a banner', async () => {
        const user = userEvent.setup();
        mockFetch({
            [`GET ${API}/hooks/incoming`]: {body: []},
            [`POST ${API}/hooks/incoming`]: {status: 501, body: {message: 'Incoming webhooks are disabled.', status_code: 501}},
        });
        renderWithRedux(<HooksManager/>);
        await user.click(await screen.findByRole('button', {name: 'Add incoming webhook'}));
        await user.selectOptions(screen.getByLabelText(/^Channel/), 'chan1');
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));
        expect(await screen.findByRole('alert')).toHaveTextContent('Incoming webhooks are disabled.');
    });

    test('edits, toggles and deletes', async () => {
        const user = userEvent.setup();
        let hook = makeIncomingHook();
        const {calls} = mockFetch({
            [`GET ${API}/hooks/incoming`]: () => ({body: [hook]}),
            [`PUT ${API}/hooks/incoming/in1`]: (call) => {
                hook = {...hook, ...(call.body as object)};
                return {body: hook};
            },
            [`DELETE ${API}/hooks/incoming/in1`]: {status: 200, body: {status: 'OK'}},
        });
        const {store} = renderWithRedux(<HooksManager/>);

        await user.click(await screen.findByRole('switch', {name: 'Enable Build bot'}));
        await waitFor(() => expect(screen.getByRole('switch', {name: 'Enable Build bot'})).toHaveAttribute('aria-checked', 'false'));
        expect(calls.find((c) => c.method === 'PUT')?.body).toMatchObject({id: 'in1', enabled: false, display_name: 'Build bot'});

        await user.click(screen.getByRole('button', {name: 'Edit Build bot'}));
        const title = screen.getByLabelText('Title');
        await user.clear(title);
        await user.type(title, 'Renamed');
        await user.click(screen.getByRole('button', {name: 'Save changes'}));
        await screen.findByText('Changes saved.');
        expect(calls.filter((c) => c.method === 'PUT')[1].body).toMatchObject({id: 'in1', display_name: 'Renamed'});

        await user.click(screen.getByRole('button', {name: 'Back to list'}));
        await user.click(await screen.findByRole('button', {name: 'Delete Renamed'}));
        const confirm = screen.getByRole('button', {name: 'Delete'});
        expect(confirm).toHaveFocus();
        await user.click(confirm);
        await waitFor(() => expect(getPluginState(store.getState()).incomingHooks.in1).toBeUndefined());
        expect(screen.getByRole('heading', {name: 'Incoming webhooks'})).toHaveFocus();
    });

    test('regenerates the signing secret of an existing hook', async () => {
        const user = userEvent.setup();
        const hook = makeIncomingHook({signature: {mode: 'github', secret: 'old'}});
        mockFetch({
            [`GET ${API}/hooks/incoming`]: {body: [hook]},
            [`POST ${API}/hooks/incoming/in1/regen_secret`]: {body: {...hook, signature: {mode: 'github', secret: 'fresh'}}},
        });
        renderWithRedux(<HooksManager/>);
        await user.click(await screen.findByRole('button', {name: 'Edit Build bot'}));
        expect(screen.getByLabelText('Signing secret')).toHaveValue('old');
        await user.click(screen.getByRole('button', {name: 'Generate new secret'}));
        await waitFor(() => expect(screen.getByLabelText('Signing secret')).toHaveValue('fresh'));
        expect(screen.getByLabelText('Signing secret')).toHaveAttribute('type', 'text');
    });
});
