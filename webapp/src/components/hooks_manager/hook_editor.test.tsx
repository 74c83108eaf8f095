import React from 'react';
import {screen, waitFor} from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type {ActionResult} from '../../actions';
import {ClientError} from '../../client';
import {renderWithRedux} from '../../testlib/test_utils';
import type {FieldErrors} from '../../validation';

import {DraftListField, finishHookInput, HookChannelField, HookEditorForm, HookNameFields, PostAsFields, useHookEditor} from './hook_editor';
import type {CommonHookFields} from './hook_editor';

type Draft = CommonHookFields & {team_id: string; channel_id: string; enabled: boolean; tags: string[]};
type Saved = {id: string; display_name: string};

type HarnessProps = {
    hookId?: string;
    hook?: Saved;
    notice?: string;
    validate?: (draft: Draft) => FieldErrors;
    save?: (draft: Draft) => Promise<ActionResult<Saved>>;
    onSaved?: (hook: Saved, created: boolean) => void;
    onCancel?: () => void;
};

function Harness({hookId, hook, notice, validate = () => ({}), save = async (d) => ({data: {id: 'h1', display_name: d.display_name}}), onSaved = jest.fn(), onCancel = jest.fn()}: HarnessProps) {
    const editor = useHookEditor<Saved, Draft>({
        hookId,
        initialDraft: () => ({team_id: '', channel_id: 'chan1', display_name: hook?.display_name ?? '', description: '', username: '', icon_url: '', enabled: true, tags: []}),
        knownFields: ['display_name', 'tags'],
        onSaved,
    });
    const onSubmit = editor.submitWith(() => ({validation: validate(editor.draft), save: () => save(editor.draft)}));
    return (
        <HookEditorForm
            kind='incoming'
            enabledHelp='Off means off.'
            editor={editor}
            hook={hook}
            notice={notice}
            onSubmit={onSubmit}
            onCancel={onCancel}
        >
            <HookNameFields editor={editor}/>
            <HookChannelField
                editor={editor}
                teamId='team1'
            />
            <PostAsFields
                editor={editor}
                usernameHelp='Author of the posts.'
            />
            <DraftListField
                editor={editor}
                field='tags'
                label='Tags'
                itemLabel='Tag'
            />
        </HookEditorForm>
    );
}

describe('finishHookInput', () => {
    const input = {id: 'copied', display_name: ' Build ', description: ' CI ', username: ' bot ', icon_url: ' https://x/i.png ', allowed_ips: [' 10.0.0.1 ']};

    test('trims the common text fields and drops the id of a new hook', () => {
        expect(finishHookInput(input, undefined)).toEqual({display_name: 'Build', description: 'CI', username: 'bot', icon_url: 'https://x/i.png', allowed_ips: [' 10.0.0.1 ']});
    });

    test('sets the id of the hook being updated', () => {
        expect(finishHookInput(input, 'h7').id).toBe('h7');
    });
});

describe('hook editor form', () => {
    test('a new hook: focused heading, common fields, Enabled, Create and Back', async () => {
        const user = userEvent.setup();
        const onCancel = jest.fn();
        renderWithRedux(
            <Harness
                notice='Welcome.'
                onCancel={onCancel}
            />,
        );
        expect(screen.getByRole('heading', {name: 'Add incoming webhook'})).toHaveFocus();
        expect(screen.getByRole('form', {name: 'Add incoming webhook'})).toBeInTheDocument();
        expect(screen.getByRole('status')).toHaveTextContent('Welcome.');
        expect(screen.getByLabelText('Title')).toBeInTheDocument();
        expect(screen.getByLabelText('Description').tagName).toBe('TEXTAREA');
        expect(screen.getByLabelText('Channel')).toHaveValue('chan1');
        expect(screen.getByLabelText('Username')).toHaveAccessibleDescription('Author of the posts.');
        expect(screen.getByLabelText('Profile picture URL')).toHaveAttribute('type', 'url');
        expect(screen.getByLabelText('Enabled')).toBeChecked();
        expect(screen.getByLabelText('Enabled')).toHaveAccessibleDescription('Off means off.');

        await user.click(screen.getByRole('button', {name: 'Back to list'}));
        expect(onCancel).toHaveBeenCalled();
    });

    test('an existing hook is titled by its name; a deleted one says so', () => {
        const {unmount} = renderWithRedux(
            <Harness
                hookId='h1'
                hook={{id: 'h1', display_name: 'Build bot'}}
            />,
        );
        expect(screen.getByRole('heading', {name: 'Edit Build bot'})).toBeInTheDocument();
        expect(screen.getByRole('button', {name: 'Save changes'})).toBeInTheDocument();
        unmount();

        renderWithRedux(<Harness hookId='gone'/>);
        expect(screen.getByText('This webhook no longer exists.')).toBeInTheDocument();
        expect(screen.queryByRole('form')).not.toBeInTheDocument();
    });

    test('invalid input is not saved; the first invalid field gets focus', async () => {
        const user = userEvent.setup();
        const save = jest.fn();
        renderWithRedux(
            <Harness
                validate={(d): FieldErrors => (d.display_name ? {} : {display_name: 'Enter a title.'})}
                save={save}
            />,
        );
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));
        expect(await screen.findByText('Enter a title.')).toBeInTheDocument();
        expect(screen.getByLabelText('Title')).toHaveFocus();
        expect(save).not.toHaveBeenCalled();
    });

    test('saves and reports whether the hook was created', async () => {
        const user = userEvent.setup();
        const onSaved = jest.fn();
        const {unmount} = renderWithRedux(<Harness onSaved={onSaved}/>);
        await user.type(screen.getByLabelText('Title'), 'Grafana');
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));
        await waitFor(() => expect(onSaved).toHaveBeenCalledWith({id: 'h1', display_name: 'Grafana'}, true));
        unmount();

        const onUpdated = jest.fn();
        renderWithRedux(
            <Harness
                hookId='h1'
                hook={{id: 'h1', display_name: 'Grafana'}}
                onSaved={onUpdated}
            />,
        );
        await user.click(screen.getByRole('button', {name: 'Save changes'}));
        await waitFor(() => expect(onUpdated).toHaveBeenCalledWith({id: 'h1', display_name: 'Grafana'}, false));
    });

    test('inside the admin console form, a submit saves the hook and never reaches the outer form', async () => {
        const user = userEvent.setup();
        const outerForm = document.createElement('form');
        const outerSubmit = jest.fn((event: Event) => event.preventDefault());
        outerForm.addEventListener('submit', outerSubmit);
        const container = outerForm.appendChild(document.createElement('div'));
        document.body.appendChild(outerForm);
        try {
            const onSaved = jest.fn();
            renderWithRedux(<Harness onSaved={onSaved}/>, {container});
            await user.type(screen.getByLabelText('Title'), 'Grafana');
            await user.click(screen.getByRole('button', {name: 'Create webhook'}));
            await waitFor(() => expect(onSaved).toHaveBeenCalledWith({id: 'h1', display_name: 'Grafana'}, true));
            await user.type(screen.getByLabelText('Title'), '{Enter}');
            await waitFor(() => expect(onSaved).toHaveBeenCalledTimes(2));
            expect(outerSubmit).not.toHaveBeenCalled();
        } finally {
            outerForm.remove();
        }
    });

    test('a server error naming a shown field lands on it; any other is a form error', async () => {
        const user = userEvent.setup();
        const failWith = (field?: string) => async (): Promise<ActionResult<Saved>> => ({error: new ClientError('/x', {message: `Rejected ${field ?? 'request'}.`, field}, 400)});
        const {unmount} = renderWithRedux(<Harness save={failWith('display_name')}/>);
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));
        expect(await screen.findByText('Rejected display_name.')).toHaveAttribute('role', 'alert');
        expect(screen.getByLabelText('Title')).toHaveFocus();
        expect(screen.getByLabelText('Title')).toHaveAttribute('aria-invalid', 'true');
        unmount();

        renderWithRedux(<Harness save={failWith('secret_sauce')}/>);
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));
        const banner = await screen.findByText('Rejected secret_sauce.');
        expect(banner).toHaveClass('hb-banner--error');
        expect(screen.getByLabelText('Title')).not.toHaveAttribute('aria-invalid');
    });

    test('list fields are bound to the draft and show errors under their key', async () => {
        const user = userEvent.setup();
        const save = jest.fn();
        renderWithRedux(
            <Harness
                validate={(d): FieldErrors => (d.tags.includes('bad') ? {'tags.0': 'No bad tags.'} : {})}
                save={save}
            />,
        );
        await user.click(screen.getByRole('button', {name: 'Add tag'}));
        await user.keyboard('bad');
        await user.click(screen.getByRole('button', {name: 'Create webhook'}));
        expect(await screen.findByText('No bad tags.')).toBeInTheDocument();
        expect(screen.getByLabelText('Tag 1')).toHaveFocus();
        expect(screen.getByLabelText('Tag 1')).toHaveAccessibleDescription('No bad tags.');
        expect(save).not.toHaveBeenCalled();
    });
});
