// lightweight-charts with the page's theme: every chart made here follows a theme switch.
import { ColorType, createChart, type DeepPartial, type ChartOptions, type IChartApi } from "lightweight-charts";

const charts = new Set<IChartApi>();

function themeOptions(): DeepPartial<ChartOptions> {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    layout: { background: { type: ColorType.Solid, color: v("--surface") }, textColor: v("--text"), attributionLogo: false },
    grid: { vertLines: { color: v("--grid") }, horzLines: { color: v("--grid") } },
    rightPriceScale: { borderColor: v("--border") },
    timeScale: { borderColor: v("--border"), timeVisible: true, secondsVisible: false },
  };
}

export function makeChart(container: HTMLElement, options: DeepPartial<ChartOptions> = {}): IChartApi {
  const chart = createChart(container, { autoSize: true, ...themeOptions(), ...options });
  charts.add(chart);
  return chart;
}

export function dropChart(chart: IChartApi): void {
  charts.delete(chart);
  chart.remove();
}

export function retheme(): void {
  const options = themeOptions();
  charts.forEach((c) => c.applyOptions(options));
}

export function color(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
