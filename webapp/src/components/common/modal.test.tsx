import React, {useState} from 'react';
import {render, screen} from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import Modal from './modal';

function Harness({onClose}: {onClose?: () => void}) {
    const [open, setOpen] = useState(false);
    return (
        <>
            <button onClick={() => setOpen(true)}>{'Open'}</button>
            {open && (
                <Modal
                    title='Settings'
                    onClose={() => {
                        onClose?.();
                        setOpen(false);
                    }}
                    footer={<button>{'Save'}</button>}
                >
                    <input aria-label='Name'/>
                </Modal>
            )}
        </>
    );
}

describe('Modal', () => {
    test('traps focus, closes on Escape and restores focus', async () => {
        const user = userEvent.setup();
        const onClose = jest.fn();
        render(<Harness onClose={onClose}/>);
        const opener = screen.getByRole('button', {name: 'Open'});
        await user.click(opener);

        const dialog = screen.getByRole('dialog', {name: 'Settings'});
        expect(dialog).toHaveAttribute('aria-modal', 'true');
        expect(screen.getByLabelText('Name')).toHaveFocus();

        await user.tab();
        expect(screen.getByRole('button', {name: 'Save'})).toHaveFocus();
        await user.tab();
        expect(screen.getByRole('button', {name: 'Close'})).toHaveFocus();
        await user.tab({shift: true});
        expect(screen.getByRole('button', {name: 'Save'})).toHaveFocus();
        await user.tab();
        expect(screen.getByRole('button', {name: 'Close'})).toHaveFocus();
        await user.tab();
        expect(screen.getByLabelText('Name')).toHaveFocus();

        await user.keyboard('{Escape}');
        expect(onClose).toHaveBeenCalledTimes(1);
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
        expect(opener).toHaveFocus();
    });

    test('pulls focus back when it escapes', async () => {
        const user = userEvent.setup();
        render(<Harness/>);
        await user.click(screen.getByRole('button', {name: 'Open'}));
        screen.getByRole('button', {name: 'Open'}).focus();
        expect(screen.getByRole('dialog')).toHaveFocus();
    });

    test('the close button closes', async () => {
        const user = userEvent.setup();
        render(<Harness/>);
        await user.click(screen.getByRole('button', {name: 'Open'}));
        await user.click(screen.getByRole('button', {name: 'Close'}));
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    });
});
