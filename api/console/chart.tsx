/**
 * A bar chart drawn on the server as SVG: one group of bars per day, one bar per series. Heights are ratios of bigint
 * amounts (pixels need no exactness; the amounts shown in titles and the table do, and are decimal strings).
 */
export interface Series {
  name: string;
  colour: string;
  /** Amount per day (`YYYY-MM-DD`), minor units. */
  values: Map<string, bigint>;
}

const WIDTH = 760;
const HEIGHT = 220;
const AXIS = 24;
const PRECISION = 10_000n;

export function BarChart(props: { title: string; days: string[]; series: Series[]; format: (minor: bigint) => string }) {
  const max = props.series.reduce((m, s) => [...s.values.values()].reduce((a, v) => (v > a ? v : a), m), 0n);
  const slot = (WIDTH - 8) / Math.max(props.days.length, 1);
  const bar = Math.max((slot - 2) / props.series.length, 1);
  const height = (v: bigint) => (max === 0n ? 0 : (Number((v * PRECISION) / max) / Number(PRECISION)) * (HEIGHT - AXIS - 8));
  const labelEvery = Math.ceil(props.days.length / 8);
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title} width={WIDTH} height={HEIGHT}>
      <title>{props.title}</title>
      <line x1="0" y1={HEIGHT - AXIS} x2={WIDTH} y2={HEIGHT - AXIS} stroke="#8a939e" />
      {props.days.map((day, d) => (
        <g>
          {props.series.map((s, i) => {
            // a day without volume draws no bar (the table below lists the days that had any)
            const value = s.values.get(day);
            if (!value) return null;
            const h = height(value);
            return (
              <rect
                x={(4 + d * slot + i * bar).toFixed(1)}
                y={(HEIGHT - AXIS - h).toFixed(1)}
                width={bar.toFixed(1)}
                height={h.toFixed(1)}
                fill={s.colour}
                data-day={day}
                data-series={s.name}
              >
                <title>{`${day} ${s.name}: ${props.format(value)}`}</title>
              </rect>
            );
          })}
          {d % labelEvery === 0 && (
            <text x={(4 + d * slot).toFixed(1)} y={HEIGHT - 6} font-size="11" fill="#5b6470">
              {day.slice(5)}
            </text>
          )}
        </g>
      ))}
      {props.series.map((s, i) => (
        <g>
          <rect x={WIDTH - 180} y={6 + i * 16} width="10" height="10" fill={s.colour} />
          <text x={WIDTH - 165} y={15 + i * 16} font-size="12" fill="#1b1f24">
            {s.name}
          </text>
        </g>
      ))}
    </svg>
  );
}
