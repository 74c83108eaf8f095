import React from 'react';
import {screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type {MessageAttachment} from '@mattermost/types/message_attachments';
import type {Post} from '@mattermost/types/posts';

import {mockFetch, renderWithRedux} from '../../testlib/test_utils';

import AttachmentPost from './attachment_post';
import {attachmentColor, attachmentsFromProps, fieldRows, isSafeUrl} from './attachment_utils';

function post(attachments: unknown, message = 'Build finished'): Post {
    return {id: 'post1', message, type: 'custom_hookbridge', props: {attachments}} as unknown as Post;
}

function renderPost(attachments: MessageAttachment[] | unknown, message?: string) {
    return renderWithRedux(<AttachmentPost post={post(attachments, message)}/>);
}

describe('attachment utilities', () => {
    test('colours: hex to border, named to class, anything else ignored', () => {
        expect(attachmentColor('#FF0000')).toEqual({style: {borderLeftColor: '#FF0000'}});
        expect(attachmentColor('#abc')).toEqual({style: {borderLeftColor: '#abc'}});
        expect(attachmentColor('good')).toEqual({className: 'hb-attachment__container--good'});
        expect(attachmentColor('danger')).toEqual({className: 'hb-attachment__container--danger'});
        expect(attachmentColor('red; background: url(x)')).toEqual({});
        expect(attachmentColor(undefined)).toEqual({});
    });

    test('short fields pair up two per row', () => {
        const rows = fieldRows([
            {title: 'a', short: true},
            {title: 'b', short: true},
            {title: 'c', short: true},
            {title: 'long', short: false},
            {title: 'd', short: 'true' as unknown as boolean},
            {title: 'e', short: true},
        ]);
        expect(rows.map((r) => r.map((f) => f.field.title))).toEqual([['a', 'b'], ['c'], ['long'], ['d', 'e']]);
    });

    test('unsafe URLs are rejected', () => {
        expect(isSafeUrl('https://x.example.com/i.png')).toBe(true);
        expect(isSafeUrl('/static/i.png')).toBe(true);
        expect(isSafeUrl('//evil.example.com')).toBe(false);
        expect(isSafeUrl('javascript:alert(1)')).toBe(false);
        expect(isSafeUrl('data:image/png;base64,xx')).toBe(false);
    });

    test('props are read defensively', () => {
        expect(attachmentsFromProps(null)).toEqual([]);
        expect(attachmentsFromProps({attachments: 'nope'})).toEqual([]);
        expect(attachmentsFromProps({attachments: [null, {text: 'x'}, 3]})).toEqual([{text: 'x'}]);
    });
});

describe('AttachmentPost', () => {
    afterEach(() => {
        delete (window as {PostUtils?: unknown}).PostUtils;
    });

    test('renders every part of an attachment', () => {
        renderPost([{
            pretext: 'Pretext here',
            author_name: 'Jenkins',
            author_link: 'https://ci.example.com',
            author_icon: 'https://ci.example.com/icon.png',
            title: 'Build #42',
            title_link: 'https://ci.example.com/42',
            text: 'All green',
            fields: [
                {title: 'Branch', value: 'main', short: true},
                {title: 'Duration', value: 93, short: true},
                {title: 'Changes', value: 'Long text', short: false},
            ],
            image_url: 'https://ci.example.com/graph.png',
            thumb_url: 'https://ci.example.com/thumb.png',
            footer: 'CI',
            footer_icon: 'https://ci.example.com/f.png',
            color: 'good',
        }]);

        expect(screen.getByText('Build finished')).toBeInTheDocument();
        expect(screen.getByText('Pretext here')).toBeInTheDocument();
        expect(screen.getByRole('link', {name: 'Jenkins'})).toHaveAttribute('href', 'https://ci.example.com');
        const title = screen.getByRole('link', {name: 'Build #42'});
        expect(title).toHaveAttribute('href', 'https://ci.example.com/42');
        expect(title).toHaveAttribute('rel', 'noopener noreferrer');
        expect(screen.getByText('All green')).toBeInTheDocument();
        expect(screen.getByRole('img', {name: 'Build #42'})).toHaveAttribute('src', 'https://ci.example.com/graph.png');
        expect(screen.getByText('CI')).toBeInTheDocument();
        expect(screen.getByTestId('attachment-container')).toHaveClass('hb-attachment__container--good');

        const rows = screen.getAllByTestId('attachment-field-row');
        expect(rows).toHaveLength(2);
        expect(within(rows[0]).getByText('Branch')).toBeInTheDocument();
        expect(within(rows[0]).getByText('93')).toBeInTheDocument();
        expect(within(rows[0]).getByText('Branch').parentElement).toHaveClass('hb-attachment__field--short');
        expect(within(rows[1]).getByText('Changes').parentElement).not.toHaveClass('hb-attachment__field--short');
    });

    test('hex colour becomes the left border', () => {
        renderPost([{text: 'x', color: '#123456'}]);
        expect(screen.getByTestId('attachment-container')).toHaveStyle({borderLeftColor: '#123456'});
    });

    test('escapes text when the host has no Markdown renderer, and drops unsafe links', () => {
        renderPost([{title: 'Click', title_link: 'javascript:alert(1)', text: '<img src=x onerror=alert(1)>'}], '<b>bold</b>');
        expect(screen.getByText('<b>bold</b>')).toBeInTheDocument();
        expect(screen.getByText('<img src=x onerror=alert(1)>')).toBeInTheDocument();
        expect(screen.queryByRole('link')).not.toBeInTheDocument();
        expect(document.querySelector('img')).toBeNull();
    });

    test('formats text through the host pipeline when available', () => {
        const formatText = jest.fn((text: string) => `<p>${text}</p>`);
        const messageHtmlToComponent = jest.fn((html: string) => <span data-testid='md'>{html}</span>);
        (window as {PostUtils?: unknown}).PostUtils = {formatText, messageHtmlToComponent};
        renderPost([{text: '**hi**', fields: [{title: 'F', value: '_v_', short: false}]}], 'msg');
        expect(formatText).toHaveBeenCalledWith('**hi**', expect.objectContaining({atMentions: true}));
        expect(formatText).toHaveBeenCalledWith('_v_', expect.any(Object));
        expect(formatText).toHaveBeenCalledWith('msg', expect.any(Object));
        expect(screen.getAllByTestId('md').map((n) => n.textContent)).toEqual(['<p>msg</p>', '<p>**hi**</p>', '<p>_v_</p>']);
    });

    test('buttons get their style, honour disabled and skip incomplete actions', () => {
        renderPost([{actions: [
            {id: 'a1', name: 'Approve', style: 'good'},
            {id: 'a2', name: 'Reject', style: 'danger'},
            {id: 'a3', name: 'Custom', style: '#AA00FF'},
            {id: 'a4', name: 'Plain'},
            {id: 'a5', name: 'Off', disabled: true, style: 'warning'},
            {name: 'No id'},
            {id: 'a6', name: ''},
        ]}]);
        expect(screen.getByRole('button', {name: 'Approve'})).toHaveClass('hb-action--good');
        expect(screen.getByRole('button', {name: 'Reject'})).toHaveClass('hb-action--danger');
        expect(screen.getByRole('button', {name: 'Custom'})).toHaveStyle({color: '#AA00FF'});
        expect(screen.getByRole('button', {name: 'Plain'})).toHaveClass('hb-action--primary');
        expect(screen.getByRole('button', {name: 'Off'})).toBeDisabled();
        expect(screen.queryByRole('button', {name: 'No id'})).not.toBeInTheDocument();
        expect(screen.getAllByRole('button')).toHaveLength(5);
    });

    test('clicking a button posts to the action endpoint with the cookie and shows ephemeral text', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({
            'POST /api/v4/posts/post1/actions/approve': {body: {status: 'OK', trigger_id: 't', ephemeral_text: 'Approved by you'}},
            'POST /api/v4/posts/post1/actions/plain': {body: {status: 'OK'}},
        });
        renderPost([{actions: [{id: 'approve', name: 'Approve', cookie: 'c00kie'}, {id: 'plain', name: 'Plain'}]}]);
        await user.click(screen.getByRole('button', {name: 'Approve'}));
        expect(await screen.findByText('Approved by you')).toBeInTheDocument();
        await user.click(screen.getByRole('button', {name: 'Plain'}));
        await waitFor(() => expect(calls).toHaveLength(2));
        expect(calls[0]).toMatchObject({method: 'POST', url: '/api/v4/posts/post1/actions/approve', body: {cookie: 'c00kie'}});
        expect(calls[1].body).toEqual({});
    });

    test('action errors are shown', async () => {
        const user = userEvent.setup();
        mockFetch({'POST /api/v4/posts/post1/actions/a1': {status: 400, body: {message: 'Integration unreachable.', status_code: 400}}});
        renderPost([{actions: [{id: 'a1', name: 'Go'}]}]);
        await user.click(screen.getByRole('button', {name: 'Go'}));
        expect(await screen.findByText('Integration unreachable.')).toBeInTheDocument();
    });

    test('static menus post the selected option and honour default_option', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({'POST /api/v4/posts/post1/actions/m1': {body: {status: 'OK'}}});
        renderPost([{actions: [{id: 'm1', name: 'Pick env', type: 'select', default_option: 'staging', options: [
            {text: 'Staging', value: 'staging'},
            {text: 'Production', value: 'prod'},
        ]}]}]);
        const menu = screen.getByRole('combobox', {name: 'Pick env'});
        expect(menu).toHaveValue('staging');
        await user.selectOptions(menu, 'prod');
        await waitFor(() => expect(calls).toHaveLength(1));
        expect(calls[0]).toMatchObject({url: '/api/v4/posts/post1/actions/m1', body: {selected_option: 'prod'}});
    });

    test('menus list users and channels from the store', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({'POST /api/v4/posts/post1/actions/u1': {body: {status: 'OK'}}});
        renderPost([{actions: [
            {id: 'u1', name: 'Assign', type: 'select', data_source: 'users'},
            {id: 'c1', name: 'Move to', type: 'select', data_source: 'channels'},
        ]}]);
        const users = screen.getByRole('combobox', {name: 'Assign'});
        expect(within(users).getByRole('option', {name: '@alice (Alice Liddell)'})).toBeInTheDocument();
        expect(within(users).getByRole('option', {name: '@bob (Bob)'})).toBeInTheDocument();
        const channels = screen.getByRole('combobox', {name: 'Move to'});
        expect(within(channels).getAllByRole('option').map((o) => o.textContent)).toEqual(['Move to', 'Developers', 'Town Square']);

        await user.selectOptions(users, 'user2');
        await waitFor(() => expect(calls[0]?.body).toEqual({selected_option: 'user2'}));
    });
});
