import React from 'react';
import {screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import {getPluginState} from '../../selectors';
import {API, makeOutgoingHook, mockFetch, renderWithRedux} from '../../testlib/test_utils';
import EditableList from '../common/editable_list';
import HooksManager from '../hooks_manager/hooks_manager';

import {describeTrigger} from './outgoing_list';

async function openOutgoingTab(user: ReturnType<typeof userEvent.setup>) {
    await user.click(await screen.findByRole('tab', {name: 'Outgoing'}));
}

describe('outgoing webhooks', () => {
    test('describes triggers', () => {
        expect(describeTrigger(makeOutgoingHook())).toBe('First word is deploy');
        expect(describeTrigger(makeOutgoingHook({trigger_when: 1, trigger_words: ['a', 'b']}))).toBe('First word starts with a, b');
        expect(describeTrigger(makeOutgoingHook({match: {mode: 'anywhere', case_insensitive: true}}))).toBe('Messages containing deploy, ignoring case');
        expect(describeTrigger(makeOutgoingHook({match: {mode: 'regex', case_insensitive: false, pattern: '^x'}}))).toBe('Messages matching /^x/');
        expect(describeTrigger(makeOutgoingHook({trigger_words: [], channel_id: 'c'}))).toBe('Every message');
    });

    test('lists hooks with disabled reason and sends a test event', async () => {
        const user = userEvent.setup();
        mockFetch({
            [`GET ${API}/hooks/outgoing`]: {body: [makeOutgoingHook({enabled: false, disabled_reason: 'Receiver answered 410 Gone'})]},
            [`GET ${API}/hooks/incoming`]: {body: []},
            [`POST ${API}/hooks/outgoing/out1/test`]: {body: {delivery_id: 'dlv9'}},
        });
        renderWithRedux(<HooksManager initialTab='outgoing'/>);
        const item = await screen.findByRole('listitem', {name: 'Deployer'});
        expect(within(item).getByText('Disabled: Receiver answered 410 Gone')).toBeInTheDocument();
        expect(within(item).getByText('First word is deploy in any channel')).toBeInTheDocument();

        await user.click(within(item).getByRole('button', {name: 'Send test event to Deployer'}));
        expect(await within(item).findByText('Test event queued (delivery dlv9).')).toBeInTheDocument();
    });

    test('create flow: lists, keyboard rows, validation, request body, token shown after', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({
            [`GET ${API}/hooks/incoming`]: {body: []},
            [`GET ${API}/hooks/outgoing`]: {body: []},
            [`POST ${API}/hooks/outgoing`]: (call) => ({status: 201, body: makeOutgoingHook({...(call.body as object), id: 'o9', token: 'tok-new', signing_secret: 'sig-new'})}),
        });
        renderWithRedux(<HooksManager/>);
        await openOutgoingTab(user);
        await user.click(await screen.findByRole('button', {name: 'Add outgoing webhook'}));

        await user.type(screen.getByLabelText('Title'), 'Jenkins');
        await user.selectOptions(screen.getByLabelText('Content type'), 'application/json');

        // Trigger words: add with the button, Enter adds the next row.
        await user.click(screen.getByRole('button', {name: 'Add trigger word'}));
        await user.keyboard('build{Enter}');
        await user.keyboard('two words');
        await user.type(screen.getByLabelText('Callback URL 1'), 'not-a-url');
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));

        expect(await screen.findByText('Trigger words cannot contain spaces.')).toBeInTheDocument();
        expect(screen.getByText('Enter an absolute http:// or https:// URL.')).toBeInTheDocument();
        expect(screen.getByLabelText('Trigger word 2')).toHaveFocus();
        expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

        // Backspace on an emptied row removes it.
        await user.clear(screen.getByLabelText('Trigger word 2'));
        await user.keyboard('{Backspace}');
        expect(screen.queryByLabelText('Trigger word 2')).not.toBeInTheDocument();
        expect(screen.getByLabelText('Trigger word 1')).toHaveFocus();

        const url = screen.getByLabelText('Callback URL 1');
        await user.clear(url);
        await user.type(url, 'https://ci.example.com/hook{Enter}https://backup.example.com/hook');

        await user.click(screen.getByRole('button', {name: 'Add header'}));
        await user.keyboard('Authorization');
        await user.type(screen.getByLabelText('Header 1 value'), 'Bearer abc');
        await user.click(screen.getByLabelText('A message is edited'));
        await user.click(screen.getByLabelText('Private channels'));
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));

        expect(await screen.findByText(/Outgoing webhook created/)).toBeInTheDocument();
        const body = calls.find((c) => c.method === 'POST')?.body;
        expect(body).toEqual({
            team_id: 'team1',
            channel_id: '',
            trigger_words: ['build'],
            trigger_when: 0,
            callback_urls: ['https://ci.example.com/hook', 'https://backup.example.com/hook'],
            display_name: 'Jenkins',
            description: '',
            content_type: 'application/json',
            username: '',
            icon_url: '',
            enabled: true,
            match: {mode: 'first_word', case_insensitive: false},
            events: ['posted', 'edited'],
            channel_types: ['O', 'P'],
            headers: {Authorization: 'Bearer abc'},
            max_attempts: 3,
        });

        // The created hook's secrets are shown, masked until revealed.
        const token = screen.getByLabelText('Token');
        expect(token).toHaveValue('tok-new');
        expect(token).toHaveAttribute('type', 'password');
        await user.click(screen.getByRole('button', {name: 'Show Token'}));
        expect(token).toHaveAttribute('type', 'text');
        expect(screen.getByLabelText('Signing secret')).toHaveValue('sig-new');
    });

    test('regex mode checks the pattern and accepts it instead of trigger words', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({
            [`GET ${API}/hooks/incoming`]: {body: []},
            [`GET ${API}/hooks/outgoing`]: {body: []},
            [`POST ${API}/hooks/outgoing`]: {status: 201, body: makeOutgoingHook({id: 'o2'})},
        });
        renderWithRedux(<HooksManager/>);
        await openOutgoingTab(user);
        await user.click(await screen.findByRole('button', {name: 'Add outgoing webhook'}));
        await user.selectOptions(screen.getByLabelText('Match'), 'regex');
        expect(screen.queryByLabelText('Trigger when')).not.toBeInTheDocument();

        const pattern = screen.getByLabelText(/^Pattern/);
        await user.type(pattern, '(deploy');
        await user.tab();
        expect(await screen.findByText(/The pattern does not compile/)).toBeInTheDocument();

        await user.clear(pattern);
        await user.type(pattern, '^deploy\\s+\\w+');
        await user.type(screen.getByLabelText('Callback URL 1'), 'https://x.example.com');
        await user.click(screen.getByLabelText('Ignore case'));
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));
        await screen.findByText(/Outgoing webhook created/);
        expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({
            trigger_words: [],
            match: {mode: 'regex', case_insensitive: true, pattern: '^deploy\\s+\\w+'},
        });
    });

    test('server field errors land next to the named field', async () => {
        const user = userEvent.setup();
        mockFetch({
            [`GET ${API}/hooks/incoming`]: {body: []},
            [`GET ${API}/hooks/outgoing`]: {body: []},
            [`POST ${API}/hooks/outgoing`]: {status: 400, body: {
                id: 'hookbridge.outgoing.duplicate',
                message: 'Another webhook already sends deploy to this URL.',
                status_code: 400,
                field: 'callback_urls',
            }},
        });
        renderWithRedux(<HooksManager/>);
        await openOutgoingTab(user);
        await user.click(await screen.findByRole('button', {name: 'Add outgoing webhook'}));
        await user.click(screen.getByRole('button', {name: 'Add trigger word'}));
        await user.keyboard('deploy');
        await user.type(screen.getByLabelText('Callback URL 1'), 'https://x.example.com');
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));

        const group = screen.getByRole('group', {name: /Callback URLs/});
        expect(await within(group).findByText('Another webhook already sends deploy to this URL.')).toBeInTheDocument();
        expect(group).toHaveAccessibleDescription('Another webhook already sends deploy to this URL.');
    });

    test('regenerates the token after confirmation', async () => {
        const user = userEvent.setup();
        const hook = makeOutgoingHook();
        const {calls} = mockFetch({
            [`GET ${API}/hooks/incoming`]: {body: []},
            [`GET ${API}/hooks/outgoing`]: {body: [hook]},
            [`POST ${API}/hooks/outgoing/out1/regen_token`]: {body: {...hook, token: 'tok-rotated'}},
            [`POST ${API}/hooks/outgoing/out1/regen_secret`]: {body: {...hook, signing_secret: 'sec-rotated', previous_secret_expires_at: Date.UTC(2030, 0, 1)}},
        });
        const {store} = renderWithRedux(<HooksManager initialTab='outgoing'/>);
        await user.click(await screen.findByRole('button', {name: 'Edit Deployer'}));

        await user.click(screen.getByRole('button', {name: 'Regenerate Token'}));
        const confirm = screen.getByRole('button', {name: 'Regenerate token'});
        await waitFor(() => expect(confirm).toHaveFocus());
        await user.click(confirm);
        await waitFor(() => expect(screen.getByLabelText('Token')).toHaveValue('tok-rotated'));
        expect(calls.filter((c) => c.url.endsWith('/regen_token'))).toHaveLength(1);

        await user.click(screen.getByRole('button', {name: 'Regenerate Signing secret'}));
        await user.click(screen.getByRole('button', {name: 'Regenerate signing secret'}));
        await waitFor(() => expect(screen.getByLabelText('Signing secret')).toHaveValue('sec-rotated'));
        expect(screen.getByText(/previous secret is still accepted until/)).toBeInTheDocument();
        expect(getPluginState(store.getState()).outgoingHooks.out1.signing_secret).toBe('sec-rotated');
    });
});

describe('EditableList', () => {
    test('removing the last row moves focus to the add button', async () => {
        const user = userEvent.setup();
        function Harness() {
            const [values, setValues] = React.useState(['a']);
            return (
                <EditableList
                    id='x'
                    label='Things'
                    itemLabel='Thing'
                    values={values}
                    onChange={setValues}
                />
            );
        }
        renderWithRedux(<Harness/>);
        expect(screen.getByRole('group', {name: 'Things'})).toBeInTheDocument();
        await user.click(screen.getByRole('button', {name: 'Remove thing 1'}));
        expect(screen.queryByLabelText('Thing 1')).not.toBeInTheDocument();
        expect(screen.getByRole('button', {name: 'Add thing'})).toHaveFocus();
    });
});
