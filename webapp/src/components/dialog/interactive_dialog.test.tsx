import React from 'react';
import {act, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type {Dialog, DialogElement} from '@mattermost/types/integrations';

import {openDialog} from '../../actions';
import {getPluginState} from '../../selectors';
import {mockFetch, renderWithRedux} from '../../testlib/test_utils';

import DialogRoot from './dialog_root';
import InteractiveDialog from './interactive_dialog';

const SUBMIT = 'POST /api/v4/actions/dialogs/submit';

function element(overrides: Partial<DialogElement>): DialogElement {
    return {
        display_name: 'Field',
        name: 'field',
        type: 'text',
        subtype: '',
        default: '',
        placeholder: '',
        help_text: '',
        optional: false,
        min_length: 0,
        max_length: 0,
        data_source: '',
        options: [],
        ...overrides,
    } as DialogElement;
}

function makeDialog(elements: DialogElement[], overrides: Partial<Dialog> = {}): Dialog {
    return {
        callback_id: 'cb1',
        title: 'Create ticket',
        introduction_text: 'Fill **everything**',
        submit_label: 'Create',
        state: 'st',
        elements,
        ...overrides,
    };
}

function renderDialog(dialog: Dialog, onClose = jest.fn()) {
    const result = renderWithRedux(
        <InteractiveDialog
            url='/plugins/tracker/dialog'
            dialog={dialog}
            onClose={onClose}
        />,
    );
    return {...result, onClose};
}

describe('InteractiveDialog', () => {
    test('renders title, introduction, labels, help and placeholders; focuses the first field', () => {
        renderDialog(makeDialog([
            element({display_name: 'Summary', name: 'summary', placeholder: 'One line', help_text: 'Shown in lists'}),
            element({display_name: 'Notes', name: 'notes', type: 'textarea', optional: true}),
        ]), jest.fn());
        const dialog = screen.getByRole('dialog', {name: 'Create ticket'});
        expect(dialog).toHaveAttribute('aria-modal', 'true');
        expect(screen.getByText('Fill **everything**')).toBeInTheDocument();
        const summary = screen.getByLabelText(/^Summary/);
        expect(summary).toHaveAttribute('placeholder', 'One line');
        expect(summary).toHaveAccessibleDescription('Shown in lists');
        expect(summary).toHaveFocus();
        expect(screen.getByLabelText(/^Notes/).tagName).toBe('TEXTAREA');
        expect(screen.getByText('(optional)', {exact: false})).toBeInTheDocument();
        expect(screen.getByRole('button', {name: 'Create'})).toBeInTheDocument();
    });

    test('text subtypes map to input types', () => {
        renderDialog(makeDialog(['email', 'number', 'password', 'tel', 'url', ''].map((subtype) => element({display_name: `T ${subtype || 'text'}`, name: subtype || 'plain', subtype}))));
        expect(screen.getByLabelText(/^T email/)).toHaveAttribute('type', 'email');
        expect(screen.getByLabelText(/^T number/)).toHaveAttribute('type', 'number');
        expect(screen.getByLabelText(/^T password/)).toHaveAttribute('type', 'password');
        expect(screen.getByLabelText(/^T tel/)).toHaveAttribute('type', 'tel');
        expect(screen.getByLabelText(/^T url/)).toHaveAttribute('type', 'url');
        expect(screen.getByLabelText(/^T text/)).toHaveAttribute('type', 'text');
    });

    test('submits every element type with Mattermost\'s request body', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({[SUBMIT]: {body: {}}});
        const {onClose} = renderDialog(makeDialog([
            element({display_name: 'Summary', name: 'summary', default: 'Prefilled'}),
            element({display_name: 'Count', name: 'count', subtype: 'number'}),
            element({display_name: 'Empty number', name: 'empty_number', subtype: 'number', optional: true}),
            element({display_name: 'Body', name: 'body', type: 'textarea'}),
            element({display_name: 'Priority', name: 'priority', type: 'select', options: [{text: 'Low', value: 'low'}, {text: 'High', value: 'high'}]}),
            element({display_name: 'Assignee', name: 'assignee', type: 'select', data_source: 'users'}),
            element({display_name: 'Channel', name: 'channel', type: 'select', data_source: 'channels'}),
            element({display_name: 'Labels', name: 'labels', type: 'select', multiselect: true, default: 'a', options: [{text: 'A', value: 'a'}, {text: 'B', value: 'b'}]}),
            element({display_name: 'Notify', name: 'notify', type: 'bool', placeholder: 'Tell the team'}),
            element({display_name: 'Severity', name: 'severity', type: 'radio', options: [{text: 'Minor', value: 'minor'}, {text: 'Major', value: 'major'}]}),
            element({display_name: 'Due', name: 'due', type: 'date'}),
            element({display_name: 'Starts', name: 'starts', type: 'datetime'}),
        ]));

        await user.type(screen.getByLabelText(/^Count/), '42');
        await user.type(screen.getByLabelText(/^Body/), 'Details');
        await user.selectOptions(screen.getByLabelText(/^Priority/), 'high');
        await user.selectOptions(screen.getByLabelText(/^Assignee/), 'user2');
        await user.selectOptions(screen.getByLabelText(/^Channel/), 'chan1');
        await user.selectOptions(screen.getByLabelText(/^Labels/), ['b']);
        await user.click(screen.getByRole('checkbox', {name: 'Notify Tell the team'}));
        // A required radio group is marked like a required text field.
        expect(screen.getByRole('radiogroup', {name: 'Severity'}).querySelector('legend .hb-required')).toHaveTextContent('*');
        await user.click(within(screen.getByRole('radiogroup', {name: 'Severity'})).getByLabelText('Major'));
        await user.type(screen.getByLabelText(/^Due/), '2026-12-01');
        await user.type(screen.getByLabelText(/^Starts/), '2026-12-01T09:30');
        await user.click(screen.getByRole('button', {name: 'Create'}));

        await waitFor(() => expect(onClose).toHaveBeenCalled());
        expect(calls).toHaveLength(1);
        expect(calls[0].body).toEqual({
            url: '/plugins/tracker/dialog',
            callback_id: 'cb1',
            state: 'st',
            user_id: 'user1',
            channel_id: 'chan1',
            team_id: 'team1',
            cancelled: false,
            submission: {
                summary: 'Prefilled',
                count: 42,
                body: 'Details',
                priority: 'high',
                assignee: 'user2',
                channel: 'chan1',
                labels: ['a', 'b'],
                notify: true,
                severity: 'major',
                due: '2026-12-01',
                starts: new Date('2026-12-01T09:30').toISOString().replace(/\.\d{3}Z$/, 'Z'),
            },
        });
        expect(calls[0].headers['X-Requested-With']).toBe('XMLHttpRequest');
    });

    test('client-side checks block submission and mark fields', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({[SUBMIT]: {body: {}}});
        renderDialog(makeDialog([
            element({display_name: 'Name', name: 'name', min_length: 3}),
            element({display_name: 'Mail', name: 'mail', subtype: 'email'}),
            element({display_name: 'Site', name: 'site', subtype: 'url', optional: true}),
            element({display_name: 'Pick', name: 'pick', type: 'select', options: [{text: 'A', value: 'a'}]}),
        ]));
        await user.type(screen.getByLabelText(/^Name/), 'ab');
        await user.type(screen.getByLabelText(/^Mail/), 'nope');
        await user.type(screen.getByLabelText(/^Site/), 'example.com');
        await user.click(screen.getByRole('button', {name: 'Create'}));

        expect(screen.getByText('Minimum input length is 3.')).toBeInTheDocument();
        expect(screen.getByText('Must be a valid email address.')).toBeInTheDocument();
        expect(screen.getByText('URL must include http:// or https://.')).toBeInTheDocument();
        expect(screen.getByText('This field is required.')).toBeInTheDocument();
        expect(screen.getByLabelText(/^Name/)).toHaveFocus();
        expect(calls).toHaveLength(0);
    });

    test('shows inline errors and the generic error from the response, then succeeds', async () => {
        const user = userEvent.setup();
        let answer: object = {error: 'Tracker is read-only today.', errors: {title: 'Already exists.'}};
        mockFetch({[SUBMIT]: () => ({body: answer})});
        const {onClose} = renderDialog(makeDialog([element({display_name: 'Title', name: 'title', default: 'Dup'})]));

        await user.click(screen.getByRole('button', {name: 'Create'}));
        expect(await screen.findByText('Tracker is read-only today.')).toBeInTheDocument();
        const title = screen.getByLabelText(/^Title/);
        expect(title).toHaveAttribute('aria-invalid', 'true');
        expect(title).toHaveAccessibleDescription('Already exists.');
        expect(title).toHaveFocus();
        expect(onClose).not.toHaveBeenCalled();

        answer = {};
        await user.type(title, '2');
        expect(title).not.toHaveAttribute('aria-invalid');
        await user.click(screen.getByRole('button', {name: 'Create'}));
        await waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
    });

    test('errors naming no element close the dialog, like core', async () => {
        const user = userEvent.setup();
        mockFetch({[SUBMIT]: {body: {errors: {unknown: 'x'}}}});
        const {onClose} = renderDialog(makeDialog([element({name: 'a', default: 'v'})]));
        await user.click(screen.getByRole('button', {name: 'Create'}));
        await waitFor(() => expect(onClose).toHaveBeenCalled());
    });

    test('shows a submitting state', async () => {
        const user = userEvent.setup();
        let release: (v: Response) => void = () => undefined;
        globalThis.fetch = jest.fn(() => new Promise<Response>((resolve) => {
            release = resolve;
        })) as unknown as typeof fetch;
        renderDialog(makeDialog([element({name: 'a', default: 'v'})]));
        await user.click(screen.getByRole('button', {name: 'Create'}));
        expect(screen.getByRole('button', {name: 'Submitting…'})).toBeDisabled();
        expect(screen.getByRole('dialog')).toHaveAttribute('aria-busy', 'true');
        await act(async () => {
            release({ok: true, status: 200, text: async () => ''} as Response);
        });
    });

    test('a form response replaces the dialog with the next step', async () => {
        const user = userEvent.setup();
        mockFetch({[SUBMIT]: {body: {type: 'form', form: makeDialog([element({display_name: 'Step two', name: 's2'})], {title: 'Step 2'})}}});
        renderDialog(makeDialog([element({name: 'a', default: 'v'})]));
        await user.click(screen.getByRole('button', {name: 'Create'}));
        expect(await screen.findByRole('dialog', {name: 'Step 2'})).toBeInTheDocument();
        expect(screen.getByLabelText(/^Step two/)).toHaveValue('');
    });

    test('cancel notifies the integration when notify_on_cancel is set', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({[SUBMIT]: {body: {}}});
        const {onClose} = renderDialog(makeDialog([element({name: 'a', default: 'v'})], {notify_on_cancel: true}));
        await user.click(screen.getAllByRole('button', {name: 'Cancel'})[1]);
        expect(onClose).toHaveBeenCalled();
        await waitFor(() => expect(calls).toHaveLength(1));
        expect(calls[0].body).toEqual({
            url: '/plugins/tracker/dialog',
            callback_id: 'cb1',
            state: 'st',
            user_id: 'user1',
            channel_id: 'chan1',
            team_id: 'team1',
            submission: {},
            cancelled: true,
        });
    });

    test('Escape cancels silently without notify_on_cancel', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({});
        const {onClose} = renderDialog(makeDialog([element({name: 'a'})]));
        await user.keyboard('{Escape}');
        expect(onClose).toHaveBeenCalled();
        expect(calls).toHaveLength(0);
    });

    test('dynamic selects look options up and keep the choice', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({
            'POST /plugins/tracker/lookup': (call) => {
                const query = (call.body as {submission: {query: string}}).submission.query;
                return {body: {items: query ? [{text: `Result ${query}`, value: query}] : [{text: 'Recent', value: 'recent'}]}};
            },
            [SUBMIT]: {body: {}},
        });
        const {onClose} = renderDialog(makeDialog([element({display_name: 'Issue', name: 'issue', type: 'select', data_source: 'dynamic', data_source_url: '/plugins/tracker/lookup'})]));
        const select = screen.getByLabelText(/^Issue/);
        expect(await within(select).findByRole('option', {name: 'Recent'})).toBeInTheDocument();

        await user.type(screen.getByRole('searchbox', {name: 'Search Issue'}), 'BUG-1');
        expect(await within(select).findByRole('option', {name: 'Result BUG-1'}, {timeout: 2000})).toBeInTheDocument();
        expect(calls.at(-1)?.body).toMatchObject({type: 'dialog_lookup', callback_id: 'cb1', submission: {query: 'BUG-1', selected_field: 'issue'}});

        await user.selectOptions(select, 'BUG-1');
        await user.click(screen.getByRole('button', {name: 'Create'}));
        await waitFor(() => expect(onClose).toHaveBeenCalled());
        expect(calls.at(-1)?.body).toMatchObject({submission: {issue: 'BUG-1'}});
    });
});

describe('DialogRoot', () => {
    test('opens on OPEN_DIALOG, closes on cancel and returns focus', async () => {
        const user = userEvent.setup();
        const opener = document.createElement('button');
        opener.textContent = 'opener';
        document.body.appendChild(opener);
        opener.focus();

        const {store} = renderWithRedux(<DialogRoot/>);
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
        act(() => {
            store.dispatch(openDialog({url: '/plugins/x/submit', dialog: makeDialog([element({display_name: 'First', name: 'first'})])}));
        });
        expect(screen.getByRole('dialog', {name: 'Create ticket'})).toBeInTheDocument();
        expect(screen.getByLabelText(/^First/)).toHaveFocus();

        // Tab wraps inside the dialog.
        await user.tab();
        await user.tab();
        await user.tab();
        await user.tab();
        expect(screen.getByRole('dialog').contains(document.activeElement)).toBe(true);

        await user.keyboard('{Escape}');
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
        expect(getPluginState(store.getState()).dialog).toBeNull();
        expect(opener).toHaveFocus();
        opener.remove();
    });
});
