import React from 'react';

import type {StatsBucket} from '../../types';

const WIDTH = 480;
const RATE_HEIGHT = 60;
const LATENCY_HEIGHT = 60;
const GAP = 18;
const LEFT = 40;
const RIGHT = 8;
const TOP = 8;
const HEIGHT = TOP + RATE_HEIGHT + GAP + LATENCY_HEIGHT + 16;
const HOURS = 24;

function deliveries(n: number): string {
    return `${n} ${n === 1 ? 'delivery' : 'deliveries'}`;
}

type Props = {
    buckets: StatsBucket[];
};

export type StatsSummary = {
    total: number;
    ok: number;
    failed: number;

    /** Percentage of finished deliveries that succeeded, or null when none finished. */
    successRate: number | null;
    maxP95: number;
};

export function summarize(buckets: StatsBucket[]): StatsSummary {
    const total = buckets.reduce((n, b) => n + (b.total || 0), 0);
    const ok = buckets.reduce((n, b) => n + (b.ok || 0), 0);
    const failed = buckets.reduce((n, b) => n + (b.failed || 0), 0);
    const finished = ok + failed;
    return {
        total,
        ok,
        failed,
        successRate: finished ? (ok / finished) * 100 : null,
        maxP95: buckets.reduce((m, b) => Math.max(m, b.p95_ms || 0), 0),
    };
}

function hourLabel(ms: number): string {
    const d = new Date(ms);
    return `${String(d.getHours()).padStart(2, '0')}:00`;
}

function formatRate(rate: number | null): string {
    if (rate === null) {
        return 'no finished deliveries';
    }
    return `${rate.toFixed(rate === 100 || rate === 0 ? 0 : 1)}% succeeded`;
}

type PanelScaleProps = {
    top: number;
    height: number;
    maxLabel: string;
    minLabel: string;
};

/** Y-axis labels at the top and bottom of one chart panel, plus its baseline. */
function PanelScale({top, height, maxLabel, minLabel}: PanelScaleProps) {
    // Half a pixel puts the 1px baseline on a pixel row instead of across two.
    const baseline = top + height + 0.5;
    return (
        <>
            <text
                className='hb-chart__axis'
                x={0}
                y={top + 8}
            >
                {maxLabel}
            </text>
            <text
                className='hb-chart__axis'
                x={0}
                y={top + height}
            >
                {minLabel}
            </text>
            <line
                className='hb-chart__grid'
                x1={LEFT}
                x2={WIDTH - RIGHT}
                y1={baseline}
                y2={baseline}
            />
        </>
    );
}

/**
 * Hourly success rate (stacked bars) over p50/p95 latency (lines) for the
 * last 24 hours. Plain SVG keeps the bundle free of a chart library.
 */
export default function StatsChart({buckets}: Props) {
    const data = [...buckets].sort((a, b) => a.start - b.start).slice(-HOURS);
    const summary = summarize(data);
    const slot = (WIDTH - LEFT - RIGHT) / HOURS;
    const barWidth = Math.max(2, slot - 3);

    // Right-align so the latest hour is always at the right edge.
    const offset = HOURS - data.length;
    const x = (i: number) => LEFT + ((offset + i) * slot);
    const latencyTop = TOP + RATE_HEIGHT + GAP;
    const maxLatency = Math.max(1, summary.maxP95, ...data.map((b) => b.p50_ms || 0));
    const y = (ms: number) => latencyTop + LATENCY_HEIGHT - ((ms / maxLatency) * LATENCY_HEIGHT);
    const line = (key: 'p50_ms' | 'p95_ms') => data.
        map((b, i) => (b.total ? `${(x(i) + (barWidth / 2)).toFixed(1)},${y(b[key] || 0).toFixed(1)}` : null)).
        filter(Boolean).
        join(' ');

    const description = summary.total ?
        `Last 24 hours: ${deliveries(summary.total)}, ${formatRate(summary.successRate)}, p95 latency up to ${Math.round(summary.maxP95)} ms.` :
        'No deliveries in the last 24 hours.';

    return (
        <figure className='hb-chart-figure'>
            <svg
                className='hb-chart'
                viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
                width={WIDTH}
                height={HEIGHT}
                role='img'
                aria-label={description}
            >
                <PanelScale
                    top={TOP}
                    height={RATE_HEIGHT}
                    maxLabel='100%'
                    minLabel='0%'
                />
                {data.map((b, i) => {
                    const finished = (b.ok || 0) + (b.failed || 0);
                    const okHeight = finished ? ((b.ok || 0) / finished) * RATE_HEIGHT : 0;
                    const label = `${hourLabel(b.start)}: ${deliveries(b.total)}, ${b.ok} ok, ${b.failed} failed, p50 ${Math.round(b.p50_ms || 0)} ms, p95 ${Math.round(b.p95_ms || 0)} ms`;
                    if (!finished) {
                        return (
                            <rect
                                key={b.start}
                                className='hb-chart__empty'
                                x={x(i)}
                                y={TOP}
                                width={barWidth}
                                height={RATE_HEIGHT}
                                data-testid='stats-bar'
                            >
                                <title>{label}</title>
                            </rect>
                        );
                    }
                    return (
                        <g
                            key={b.start}
                            data-testid='stats-bar'
                        >
                            <title>{label}</title>
                            <rect
                                className='hb-chart__failed'
                                x={x(i)}
                                y={TOP}
                                width={barWidth}
                                height={RATE_HEIGHT - okHeight}
                            />
                            <rect
                                className='hb-chart__ok'
                                x={x(i)}
                                y={TOP + RATE_HEIGHT - okHeight}
                                width={barWidth}
                                height={okHeight}
                            />
                        </g>
                    );
                })}
                <PanelScale
                    top={latencyTop}
                    height={LATENCY_HEIGHT}
                    maxLabel={`${Math.round(maxLatency)}ms`}
                    minLabel='0ms'
                />
                <polyline
                    className='hb-chart__p50'
                    points={line('p50_ms')}
                />
                <polyline
                    className='hb-chart__p95'
                    points={line('p95_ms')}
                />
                <text
                    className='hb-chart__axis'
                    x={LEFT}
                    y={HEIGHT - 2}
                >
                    {'24 h ago'}
                </text>
                <text
                    className='hb-chart__axis'
                    x={WIDTH - RIGHT}
                    y={HEIGHT - 2}
                    textAnchor='end'
                >
                    {'now'}
                </text>
            </svg>
            <figcaption className='hb-help'>
                {`${description} Bars: success rate per hour (green ok, red failed). Lines: p95 latency (solid) and p50 (dashed).`}
            </figcaption>
        </figure>
    );
}
