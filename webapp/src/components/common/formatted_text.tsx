import React from 'react';

import {formatText, hasMarkdownRenderer, messageHtmlToComponent} from '../../webapp_globals';

type Props = {
    text: string;
    className?: string;
    isRHS?: boolean;
};

/**
 * Renders Markdown the way core renders posts when the host provides its
 * pipeline; otherwise shows the raw text, which React escapes.
 */
export default function FormattedText({text, className, isRHS}: Props) {
    if (!text) {
        return null;
    }
    if (hasMarkdownRenderer()) {
        const html = formatText(text, {atMentions: true, mentionHighlight: true, markdown: true});
        return <div className={className}>{messageHtmlToComponent(html, {mentionHighlight: true, isRHS: Boolean(isRHS)})}</div>;
    }
    return (
        <div className={className}>
            <span className='hb-plain-text'>{text}</span>
        </div>
    );
}
