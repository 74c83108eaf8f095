import React from 'react';
import {render, screen} from '@testing-library/react';

import {InputRowField, LabelledField, StatusBanner} from './fields';

describe('LabelledField', () => {
    test('labels the control and points it at its help and error', () => {
        render(
            <LabelledField field={{id: 'f', label: 'Name', required: true, help: 'Shown to everyone.', error: 'Too long.'}}>
                <input
                    id='f'
                    aria-describedby='f-help f-error'
                />
            </LabelledField>,
        );
        const input = screen.getByLabelText(/^Name/);
        expect(input).toHaveAccessibleDescription('Shown to everyone. Too long.');
        expect(screen.getByText('*')).toHaveAttribute('aria-hidden', 'true');
        expect(screen.getByRole('alert')).toHaveTextContent('Too long.');
    });

    test('has no required mark or messages unless asked', () => {
        const {container} = render(
            <LabelledField field={{id: 'f', label: 'Name'}}>
                <input id='f'/>
            </LabelledField>,
        );
        expect(screen.getByLabelText('Name')).toBeInTheDocument();
        expect(container.querySelector('.hb-required')).toBeNull();
        expect(container.querySelector('.hb-help, .hb-error')).toBeNull();
    });
});

describe('InputRowField', () => {
    test('puts the input and its buttons in one row, with what follows below', () => {
        const {container} = render(
            <InputRowField
                id='url'
                label='Webhook URL'
                row={(
                    <>
                        <input
                            id='url'
                            readOnly={true}
                        />
                        <button type='button'>{'Copy'}</button>
                    </>
                )}
            >
                <p>{'Keep it secret.'}</p>
            </InputRowField>,
        );
        expect(screen.getByLabelText('Webhook URL').tagName).toBe('INPUT');
        const row = container.querySelector('.hb-row');
        expect(row).toContainElement(screen.getByRole('button', {name: 'Copy'}));
        expect(row).not.toContainElement(screen.getByText('Keep it secret.'));
    });
});

describe('StatusBanner', () => {
    test('renders nothing without a status', () => {
        const {container} = render(<StatusBanner status={null}/>);
        expect(container).toBeEmptyDOMElement();
    });

    test('a success is a polite status in the chosen tone', () => {
        const {rerender} = render(<StatusBanner status={{ok: true, text: 'Queued.'}}/>);
        expect(screen.getByRole('status')).toHaveClass('hb-banner', 'hb-banner--success');
        rerender(
            <StatusBanner
                status={{ok: true, text: 'Queued.'}}
                okTone='info'
            />,
        );
        expect(screen.getByRole('status')).toHaveClass('hb-banner--info');
    });

    test('a failure is an alert whatever the tone', () => {
        render(
            <StatusBanner
                status={{ok: false, text: 'It broke.'}}
                okTone='info'
            />,
        );
        expect(screen.getByRole('alert')).toHaveTextContent('It broke.');
        expect(screen.getByRole('alert')).toHaveClass('hb-banner--error');
    });
});
