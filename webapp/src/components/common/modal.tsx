import React, {useEffect, useId, useRef} from 'react';
import ReactDOM from 'react-dom';

import {ensureStyles} from '../../styles';

const FOCUSABLE = [
    'a[href]',
    'button:not([disabled])',
    'input:not([disabled]):not([type="hidden"])',
    'select:not([disabled])',
    'textarea:not([disabled])',
    '[tabindex]:not([tabindex="-1"])',
].join(',');

export function focusableWithin(root: HTMLElement): HTMLElement[] {
    return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => !el.hasAttribute('inert') && el.getAttribute('aria-hidden') !== 'true');
}

type Props = {
    title: React.ReactNode;
    onClose: () => void;
    children: React.ReactNode;
    footer?: React.ReactNode;
    icon?: React.ReactNode;
    size?: 'medium' | 'large';

    /** Element to focus on open; defaults to the first focusable element. */
    initialFocusRef?: React.RefObject<HTMLElement>;
    closeLabel?: string;
    busy?: boolean;
    className?: string;
};

/**
 * Accessible modal: focus moves in on open, Tab cycles inside, Escape closes,
 * and focus returns to whatever opened it.
 */
export default function Modal({title, onClose, children, footer, icon, size = 'medium', initialFocusRef, closeLabel = 'Close', busy, className}: Props) {
    const dialogRef = useRef<HTMLDivElement>(null);
    const titleId = useId();
    const onCloseRef = useRef(onClose);
    onCloseRef.current = onClose;

    useEffect(() => {
        ensureStyles();
        const previouslyFocused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
        const dialog = dialogRef.current;
        if (dialog) {
            const target = initialFocusRef?.current ?? focusableWithin(dialog).find((el) => !el.classList.contains('hb-close')) ?? dialog;
            target.focus();
        }

        // Clicks on the page behind the backdrop can still move focus out;
        // pull it back so keyboard users never end up behind the modal.
        const onFocusIn = (event: FocusEvent) => {
            const node = dialogRef.current;
            if (node && event.target instanceof Node && !node.contains(event.target) && !isInsideOtherModal(event.target, node)) {
                node.focus();
            }
        };
        document.addEventListener('focusin', onFocusIn);

        return () => {
            document.removeEventListener('focusin', onFocusIn);
            if (previouslyFocused && document.contains(previouslyFocused)) {
                previouslyFocused.focus();
            }
        };

        // Focus is placed once on open; later prop changes must not steal it.
        // eslint-disable-next-line react-hooks/exhaustive-deps
    }, []);

    const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>) => {
        if (event.key === 'Escape') {
            event.stopPropagation();
            event.preventDefault();
            onCloseRef.current();
            return;
        }
        if (event.key !== 'Tab' || !dialogRef.current) {
            return;
        }
        const items = focusableWithin(dialogRef.current);
        if (items.length === 0) {
            event.preventDefault();
            dialogRef.current.focus();
            return;
        }
        const first = items[0];
        const last = items[items.length - 1];
        const active = document.activeElement;
        if (event.shiftKey && (active === first || active === dialogRef.current)) {
            event.preventDefault();
            last.focus();
        } else if (!event.shiftKey && active === last) {
            event.preventDefault();
            first.focus();
        }
    };

    const content = (
        <div className='hb-modal-backdrop'>
            <div
                ref={dialogRef}
                role='dialog'
                aria-modal='true'
                aria-labelledby={titleId}
                aria-busy={busy || undefined}
                tabIndex={-1}
                className={`hb-modal${size === 'large' ? ' hb-modal--large' : ''}${className ? ` ${className}` : ''}`}
                onKeyDown={onKeyDown}
            >
                <div className='hb-modal__header'>
                    {icon}
                    <h2
                        id={titleId}
                        className='hb-modal__title'
                    >
                        {title}
                    </h2>
                    <button
                        type='button'
                        className='hb-close'
                        aria-label={closeLabel}
                        onClick={() => onCloseRef.current()}
                    >
                        {'×'}
                    </button>
                </div>
                <div className='hb-modal__body'>{children}</div>
                {footer && <div className='hb-modal__footer'>{footer}</div>}
            </div>
        </div>
    );

    return ReactDOM.createPortal(content, document.body);
}

function isInsideOtherModal(target: Node, self: HTMLElement): boolean {
    const element = target instanceof HTMLElement ? target : target.parentElement;
    const modal = element?.closest('[aria-modal="true"]');
    return Boolean(modal && modal !== self);
}
