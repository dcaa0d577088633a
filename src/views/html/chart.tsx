import { reportChart, type ReportChartInput } from '../common/chart';
import { fromTree } from './tree';

// The score chart: server-rendered SVG, no script, drawn from the one chart geometry and markup
// (src/views/common/chart.ts) that the live page's script redraws it with.

export {
  DENSE,
  GEOMETRY,
  niceTicks,
  r,
  xTickIndexes,
  type Geometry,
  type ReportChartInput as ChartProps,
} from '../common/chart';
export { formatTick } from '../common/format';

export function ScoreChart(props: ReportChartInput) {
  return <>{reportChart(props).map(fromTree)}</>;
}
