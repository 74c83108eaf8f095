import React, {useEffect, useRef, useState} from 'react';

async function writeClipboard(text: string): Promise<boolean> {
    try {
        if (navigator.clipboard?.writeText) {
            await navigator.clipboard.writeText(text);
            return true;
        }
    } catch {
        // Permission denied or insecure context: fall through to the legacy path.
    }
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
        ok = typeof document.execCommand === 'function' && document.execCommand('copy');
    } catch {
        ok = false;
    }
    area.remove();
    return ok;
}

type Props = {
    value: string;

    /** What is being copied, used in the accessible name ("Copy URL"). */
    label: string;
    className?: string;
};

export default function CopyButton({value, label, className}: Props) {
    const [status, setStatus] = useState<'' | 'copied' | 'failed'>('');
    const timer = useRef<ReturnType<typeof setTimeout>>();

    useEffect(() => () => clearTimeout(timer.current), []);

    const onClick = async () => {
        const ok = await writeClipboard(value);
        setStatus(ok ? 'copied' : 'failed');
        clearTimeout(timer.current);
        timer.current = setTimeout(() => setStatus(''), 2000);
    };

    let text = 'Copy';
    if (status === 'copied') {
        text = 'Copied';
    } else if (status === 'failed') {
        text = 'Copy failed';
    }

    return (
        <>
            <button
                type='button'
                className={className ?? 'hb-btn hb-btn--small'}
                aria-label={`Copy ${label}`}
                onClick={onClick}
            >
                {text}
            </button>
            <span
                className='hb-visually-hidden'
                aria-live='polite'
            >
                {status === 'copied' ? `${label} copied to clipboard` : ''}
            </span>
        </>
    );
}
