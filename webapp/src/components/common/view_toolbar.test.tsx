import React, {useEffect, useRef} from 'react';
import {render, screen} from '@testing-library/react';

import ViewToolbar from './view_toolbar';

function FocusingView({level}: {level?: 3 | 4}) {
    const headingRef = useRef<HTMLHeadingElement>(null);
    useEffect(() => {
        headingRef.current?.focus();
    }, []);
    return (
        <section aria-labelledby='view-heading'>
            <ViewToolbar
                headingId='view-heading'
                headingRef={headingRef}
                title='Deliveries'
                level={level}
            >
                <button type='button'>{'Refresh'}</button>
            </ViewToolbar>
        </section>
    );
}

describe('ViewToolbar', () => {
    test('the heading names the view and can take focus', () => {
        render(<FocusingView/>);
        const heading = screen.getByRole('heading', {level: 3, name: 'Deliveries'});
        expect(heading).toHaveFocus();
        expect(heading).toHaveAttribute('tabindex', '-1');
        expect(screen.getByRole('region', {name: 'Deliveries'})).toContainElement(screen.getByRole('button', {name: 'Refresh'}));
    });

    test('nested views use a lower heading level', () => {
        render(<FocusingView level={4}/>);
        expect(screen.getByRole('heading', {level: 4, name: 'Deliveries'})).toHaveFocus();
    });
});
