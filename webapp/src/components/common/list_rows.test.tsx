import React, {useState} from 'react';
import {render, screen} from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import {AddRowButton, ListRow, useRowFocus} from './list_rows';

function Rows({initial, errors = {}}: {initial: string[]; errors?: Record<number, string>}) {
    const [rows, setRows] = useState(initial);
    const {rowInputRef, addButtonRef, focusAfterRender, focusAfterRemoval} = useRowFocus(rows.length);
    return (
        <>
            {rows.map((row, index) => (
                <ListRow

                    // eslint-disable-next-line react/no-array-index-key
                    key={index}
                    id={`row-${index}`}
                    error={errors[index]}
                    removeLabel={`Remove row ${index + 1}`}
                    onRemove={() => {
                        const next = rows.filter((_, i) => i !== index);
                        setRows(next);
                        focusAfterRemoval(index, next.length);
                    }}
                >
                    <input
                        ref={rowInputRef(index)}
                        aria-label={`Row ${index + 1}`}
                        value={row}
                        readOnly={true}
                    />
                </ListRow>
            ))}
            <AddRowButton
                buttonRef={addButtonRef}
                onClick={() => {
                    setRows([...rows, '']);
                    focusAfterRender(rows.length);
                }}
            >
                {'Add row'}
            </AddRowButton>
        </>
    );
}

describe('editable list rows', () => {
    test('a new row gets focus once it is rendered', async () => {
        const user = userEvent.setup();
        render(<Rows initial={['a']}/>);
        await user.click(screen.getByRole('button', {name: 'Add row'}));
        expect(screen.getByLabelText('Row 2')).toHaveFocus();
    });

    test('removing a row focuses the row now in its place, or the last one', async () => {
        const user = userEvent.setup();
        render(<Rows initial={['a', 'b', 'c']}/>);
        await user.click(screen.getByRole('button', {name: 'Remove row 2'}));
        expect(screen.getByLabelText('Row 2')).toHaveValue('c');
        expect(screen.getByLabelText('Row 2')).toHaveFocus();

        await user.click(screen.getByRole('button', {name: 'Remove row 2'}));
        expect(screen.getByLabelText('Row 1')).toHaveFocus();
    });

    test('removing the last row focuses the add button', async () => {
        const user = userEvent.setup();
        render(<Rows initial={['a']}/>);
        await user.click(screen.getByRole('button', {name: 'Remove row 1'}));
        expect(screen.queryByLabelText('Row 1')).not.toBeInTheDocument();
        expect(screen.getByRole('button', {name: 'Add row'})).toHaveFocus();
    });

    test('a row error is an alert with an id the input can point at', () => {
        render(
            <Rows
                initial={['a', 'b']}
                errors={{1: 'Not allowed.'}}
            />,
        );
        const alert = screen.getByRole('alert');
        expect(alert).toHaveTextContent('Not allowed.');
        expect(alert).toHaveAttribute('id', 'row-1-error');
    });
});
