// Small SVG charts drawn by hand (no chart library): vertical bars for a series, with an
// optional second series side by side, value labels and category labels that thin out when
// crowded; a line for rates. The SVG scales to its container's width (viewBox), so charts
// fit a 360 px phone screen.
const NS = 'http://www.w3.org/2000/svg';

function el(tag, attrs, text) {
	const e = document.createElementNS(NS, tag);
	for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
	if (text !== undefined) e.textContent = text;
	return e;
}

function wrap(svg, title) {
	const div = document.createElement('div');
	div.className = 'chart';
	if (title) svg.prepend(el('title', {}, title));
	div.append(svg);
	return div;
}

// points: [{label, value, value2?}]; opts: {format(v), min, height, title, series2: bool}
export function barChart(points, opts = {}) {
	const fmt = opts.format || ((v) => String(v));
	const W = 600, H = opts.height || 220, top = 18, bottom = 28, left = 8, right = 8;
	const two = points.some((p) => p.value2 !== undefined);
	const max = Math.max(1, ...points.map((p) => Math.max(p.value, p.value2 || 0)));
	const min = Math.min(opts.min || 0, max - 1);
	const n = Math.max(points.length, 1);
	const slot = (W - left - right) / n;
	const bw = Math.max(2, Math.min(48, slot * (two ? 0.4 : 0.7)));
	const y = (v) => top + (H - top - bottom) * (1 - (v - min) / (max - min));
	const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opts.title || '' });
	svg.append(el('line', { class: 'axis', x1: left, x2: W - right, y1: H - bottom, y2: H - bottom }));
	const every = Math.ceil(n / 16);
	points.forEach((p, i) => {
		const cx = left + slot * (i + 0.5);
		const bars = two ? [[p.value, cx - bw / 2 - 1, ''], [p.value2 || 0, cx + bw / 2 + 1, ' alt']] : [[p.value, cx, '']];
		for (const [v, x, cls] of bars) {
			const yy = y(Math.max(v, min));
			const r = el('rect', { class: 'bar' + cls, x: (x - bw / 2).toFixed(1), y: yy.toFixed(1), width: bw.toFixed(1), height: Math.max(0, H - bottom - yy).toFixed(1) });
			r.append(el('title', {}, `${p.label}: ${fmt(v)}`));
			svg.append(r);
			if (n <= 16) svg.append(el('text', { class: 'value', x: x.toFixed(1), y: (yy - 4).toFixed(1), 'text-anchor': 'middle' }, fmt(v)));
		}
		if (i % every === 0)
			svg.append(el('text', { x: cx.toFixed(1), y: H - bottom + 16, 'text-anchor': 'middle' }, p.label));
	});
	return wrap(svg, opts.title);
}

// points: [{label, value}] with value in 0..1 (a rate) or null; drawn as a percentage line.
export function lineChart(points, opts = {}) {
	const W = 600, H = opts.height || 200, top = 16, bottom = 28, left = 34, right = 10;
	const n = Math.max(points.length, 1);
	const x = (i) => left + (n === 1 ? (W - left - right) / 2 : ((W - left - right) * i) / (n - 1));
	const y = (v) => top + (H - top - bottom) * (1 - Math.min(1, Math.max(0, v)));
	const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opts.title || '' });
	for (const g of [0, 0.5, 1]) {
		svg.append(el('line', { class: 'axis', x1: left, x2: W - right, y1: y(g), y2: y(g) }));
		svg.append(el('text', { x: left - 4, y: y(g) + 4, 'text-anchor': 'end' }, `${g * 100}%`));
	}
	// A null value (no denominator) breaks the line.
	let run = [];
	const flush = () => {
		if (run.length > 1) svg.append(el('polyline', { class: 'line', points: run.join(' ') }));
		run = [];
	};
	const every = Math.ceil(n / 12);
	points.forEach((p, i) => {
		if (i % every === 0) svg.append(el('text', { x: x(i).toFixed(1), y: H - bottom + 16, 'text-anchor': 'middle' }, p.label));
		if (p.value === null || p.value === undefined) { flush(); return; }
		run.push(`${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
		const c = el('circle', { class: 'dot', cx: x(i).toFixed(1), cy: y(p.value).toFixed(1), r: 3 });
		c.append(el('title', {}, `${p.label}: ${(p.value * 100).toFixed(1)}%`));
		svg.append(c);
	});
	flush();
	return wrap(svg, opts.title);
}
