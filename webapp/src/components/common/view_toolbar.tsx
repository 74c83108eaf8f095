import React from 'react';

type Props = {
    headingId: string;

    /** Views move focus here when they open, hence the heading takes programmatic focus. */
    headingRef: React.Ref<HTMLHeadingElement>;
    title: React.ReactNode;

    /** Heading level; nested views (a delivery inside the log) sit one level lower. */
    level?: 3 | 4;

    /** Buttons shown next to the title. */
    children?: React.ReactNode;
};

/** Title row of a manager view: a focusable heading followed by the view's buttons. */
export default function ViewToolbar({headingId, headingRef, title, level = 3, children}: Props) {
    const Heading = level === 4 ? 'h4' : 'h3';
    return (
        <div className='hb-toolbar'>
            <Heading
                id={headingId}
                ref={headingRef}
                tabIndex={-1}
                className='hb-toolbar__title'
            >
                {title}
            </Heading>
            {children}
        </div>
    );
}
