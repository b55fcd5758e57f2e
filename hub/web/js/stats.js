// 통계관리 for district and city officers: the hub's statistics tables (GET /api/v1/stats/
// {attendance,users,facilities}: columns with Korean labels, rows, a total row) drawn as a
// table and SVG charts, with export buttons that download the same table as CSV (UTF-8 with
// BOM) or XLSX from the hub. Scope (district, city) is the hub's: a district officer's numbers
// are their district's.
import { api, isCitywide, qs, routeExists } from './api.js';
import { $, DISTRICTS, TYPES, clear, h, table, toast, today } from './ui.js';
import { barChart, lineChart } from './chart.js';

const WHAT = { attendance: '출석현황', users: '이용자현황', facilities: '시설현황' };
const GROUPS = { day: '일별', month: '월별', district: '자치구별', facility: '시설별', city: '전체' };
let initialized = false;
let statsRoutes = null;

function initFilter(session) {
	const f = $('#stats-filter');
	const sel = (id, label, entries, value) => h('select', { id, 'aria-label': label },
		entries.map(([k, v]) => h('option', { value: k, selected: k === value }, v)));
	f.append(
		sel('stats-what', '통계 종류', Object.entries(WHAT), 'attendance'),
		sel('stats-group', '집계 단위', Object.entries(GROUPS), 'day'),
		h('input', { id: 'stats-month', type: 'month', value: today().slice(0, 7), 'aria-label': '월' }));
	if (isCitywide(session))
		f.append(sel('stats-district', '자치구', [['', '자치구 전체'], ...Object.entries(DISTRICTS)], ''));
	f.append(sel('stats-type', '시설유형', [['', '시설유형 전체'], ...Object.entries(TYPES)], ''),
		h('button', { type: 'submit', class: 'secondary', id: 'stats-show' }, '조회'));
	f.addEventListener('submit', (ev) => {
		ev.preventDefault();
		render(session).catch((e) => toast(e.message, true));
	});
}

function query() {
	const d = $('#stats-district');
	return {
		group: $('#stats-group').value, month: $('#stats-month').value,
		district: d ? d.value : '', type: $('#stats-type').value,
	};
}

function fmtCell(col, v) {
	if (v === null || v === undefined) return '-';
	if (col.type === 'rate') return `${Number(v).toFixed(1)}%`;
	if (col.type === 'int') return Number(v).toLocaleString('ko-KR');
	return String(v);
}

// The charts a table gives: bars of its first one or two counts per group, a line of its
// first rate.
function charts(t) {
	const label = t.columns.find((c) => c.type === 'text');
	const ints = t.columns.filter((c) => c.type === 'int');
	const rate = t.columns.find((c) => c.type === 'rate');
	const out = [];
	if (!label || !t.rows.length) return out;
	const lab = (r) => {
		const v = String(r[label.key] ?? '');
		return t.group === 'day' ? v.slice(8) : t.group === 'month' ? v.slice(5) : v.slice(0, 6);
	};
	if (ints.length) {
		const [a, b] = ints;
		out.push(h('div', { class: 'legend' }, h('span', {}, h('i'), a.label), b ? h('span', {}, h('i', { class: 'alt' }), b.label) : null));
		out.push(barChart(t.rows.map((r) => ({ label: lab(r), value: Number(r[a.key] || 0), value2: b ? Number(r[b.key] || 0) : undefined })),
			{ title: `${t.title}: ${a.label}${b ? ', ' + b.label : ''}`, format: (v) => v.toLocaleString('ko-KR') }));
	}
	if (rate && t.rows.length > 1) {
		out.push(h('h3', {}, rate.label));
		out.push(lineChart(t.rows.map((r) => ({ label: lab(r), value: r[rate.key] === null ? null : Number(r[rate.key]) / 100 })), { title: rate.label }));
	}
	return out;
}

async function render() {
	const what = $('#stats-what').value;
	const q = query();
	const path = `/api/v1/stats/${what}`;
	const t = await api('GET', path + qs(q));
	$('#stats-sub').textContent = `${t.title || WHAT[what]} · ${t.from} ~ ${t.to}`;
	const exp = (fmt, label) => h('a', { class: 'button', id: `stats-${fmt}`, href: path + qs({ ...q, format: fmt }), download: '' }, label);
	const body = clear($('#stats-body'));
	const rows = t.rows.map((r) => ({ cells: t.columns.map((c) => fmtCell(c, r[c.key])) }));
	if (t.total && t.rows.length) rows.push({ attrs: { class: 'total' }, cells: t.columns.map((c, i) => (i === 0 ? '합계' : fmtCell(c, t.total[c.key]))) });
	body.append(
		h('div', { class: 'card' }, h('h2', {}, t.title || WHAT[what]), ...charts(t)),
		h('div', { class: 'card' },
			h('div', { class: 'row' }, h('h2', { class: 'grow' }, '표'), exp('csv', 'CSV 내려받기'), exp('xlsx', '엑셀(XLSX) 내려받기')),
			table(t.columns.map((c) => c.label), rows, { id: 'stats-table', empty: '이 기간의 자료가 없습니다' })));
}

// Before the statistics routes exist: 시설현황 counted here from the facility list.
async function renderFallback() {
	const counts = new Map();
	let page = 1, pages = 1, total = 0;
	do {
		const d = await api('GET', '/api/v1/facilities' + qs({ page, per_page: 100 }));
		for (const f of d.items) {
			const k = f.district_name || f.district;
			counts.set(k, (counts.get(k) || 0) + 1);
		}
		pages = d.pages;
		total = d.total;
		page++;
	} while (page <= pages && page <= 20);
	const pts = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => ({ label: k.replace(/구$/, ''), value: v }));
	$('#stats-note').textContent = '통계 API(/api/v1/stats)가 아직 이 허브에 없어 시설 목록으로 시설현황만 셉니다. 내려받기는 통계 API가 생기면 나타납니다.';
	clear($('#stats-body')).append(h('div', { class: 'card' }, h('h2', {}, `자치구별 시설현황 (전체 ${total}개)`),
		barChart(pts, { title: '자치구별 시설 수' }),
		table(['자치구', '시설 수'], pts.map((p) => ({ cells: [p.label + '구', String(p.value)] })), { id: 'stats-table' })));
}

export async function showStats(session) {
	if (statsRoutes === null) statsRoutes = await routeExists('/api/v1/stats/facilities');
	if (!statsRoutes) {
		$('#stats-filter').hidden = true;
		return renderFallback();
	}
	if (!initialized) {
		initFilter(session);
		initialized = true;
	}
	return render();
}
