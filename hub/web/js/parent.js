// Parents (보호자): my children today, their history by month, my bookings and applications,
// applying for care and asking to be linked to a child. A parent sees only children whose
// link the center confirmed (the hub's scope check answers 403 otherwise).
import { api, loadSession, qs } from './api.js';
import {
	$, BOOKING_STATE, KIND, STATUS, WEEKDAYS, act, badge, clear, dateKo, h, table,
	tabs, today, toast, topbar, weekdaysKo,
} from './ui.js';
import { barChart } from './chart.js';

let children = [];   // [{id, name, display, facility}]

// The parent's confirmed children (GET /api/v1/my/children, with today's row), each read
// once more (an audited read) for the full name the parent knows.
async function loadChildren() {
	const d = await api('GET', '/api/v1/my/children');
	const out = [];
	for (const c of d.children) {
		let name = c.display;
		try {
			name = (await api('GET', `/api/v1/children/${encodeURIComponent(c.id)}`)).name;
		} catch (e) {
			// The masked name is still right.
		}
		out.push({ ...c, name });
	}
	children = out;
}

let childrenFresh = false;   // loaded by main just before the first view

async function showToday() {
	if (!childrenFresh) await loadChildren();
	childrenFresh = false;
	const day = today();
	$('#today-date').textContent = dateKo(day);
	const list = clear($('#today-list'));
	if (!children.length) {
		list.append(h('p', { class: 'empty' }, '연결된 아동이 없습니다. 예약 · 신청 메뉴에서 아동 연결을 신청하세요.'));
		return;
	}
	for (const c of children) {
		const r = c.today || { status: 'none', taps: 0 };
		let line = '오늘은 예약이 없습니다', cls = '';
		if (r.left && r.taps >= 2) { line = `등원 ${r.arrived} · 하원 ${r.left}`; cls = 'left'; }
		else if (r.arrived) { line = `등원 ${r.arrived} · 센터에 있어요`; cls = 'in'; }
		else if (r.status === 'expected') { line = '오늘 등원 예정입니다'; cls = 'expected'; }
		else if (r.booked) { line = '아직 등원하지 않았습니다'; cls = 'absent'; }
		list.append(h('div', { class: 'tile ' + cls, dataset: { child: c.id } },
			h('div', { class: 'name' }, c.name),
			h('div', { class: 'time' }, c.facility_name || c.facility),
			h('div', { class: 'time' }, line),
			STATUS[r.status] ? h('div', {}, badge(STATUS, r.status)) : null));
	}
}

async function showHistory() {
	const child = $('#history-child').value;
	const ym = $('#history-month').value;
	const kp = clear($('#history-kpis')), list = clear($('#history-list'));
	if (!child || !/^\d{4}-\d{2}$/.test(ym)) return;
	if (ym > today().slice(0, 7)) {
		list.append(h('p', { class: 'empty' }, '아직 지나지 않은 달입니다'));
		return;
	}
	const d = await api('GET', `/api/v1/children/${encodeURIComponent(child)}/attendance${qs({ month: ym })}`);
	const days = d.days.filter((x) => x.date <= today());
	const count = (k) => days.filter((d) => d.status === k).length;
	const attended = days.filter((d) => d.arrived).length;
	const kpi = (n, label) => h('div', { class: 'kpi' }, h('b', {}, String(n)), h('span', {}, label));
	kp.append(kpi(attended, '등원한 날'), kpi(count('late'), '지각'), kpi(count('absent'), '결석'), kpi(count('left_early'), '조퇴'));
	list.append(table(['날짜', '센터', '등원', '하원', '상태'], days.map((d) => ({
		attrs: { dataset: { date: d.date } },
		cells: [dateKo(d.date), d.facility, d.arrived || '-', d.left || '-', badge(STATUS, d.status)],
	})), { id: 'history-table', empty: '이 달의 출결 기록이 없습니다' }));
	// Arrival times as a small chart: minutes after noon per day attended.
	const pts = days.filter((d) => d.arrived).map((d) => {
		const [hh, mm] = d.arrived.split(':').map(Number);
		return { label: d.date.slice(8), value: hh * 60 + mm };
	});
	if (pts.length > 1)
		list.append(h('h3', {}, '등원 시각'), barChart(pts, { height: 160, format: (v) => `${String(Math.floor(v / 60)).padStart(2, '0')}:${String(v % 60).padStart(2, '0')}`, min: Math.min(...pts.map((p) => p.value)) - 30 }));
}

async function showBookings() {
	const d = await api('GET', '/api/v1/my/bookings');
	const nameOf = (id) => (children.find((c) => c.id === id) || {}).name || id;
	$('#bookings-sub').textContent = `${d.bookings.length}건`;
	clear($('#bookings-list')).append(table(['아동', '센터', '유형', '기간', '상태', ''], d.bookings.map((b) => {
		const actions = h('div', { class: 'row' });
		if (b.state === 'offered') {
			const acc = h('button', { class: 'small', type: 'button' }, '자리 수락');
			acc.addEventListener('click', async () => {
				if (await act(acc, () => api('POST', `/api/v1/bookings/${b.id}/accept`, {}))) { toast('자리를 수락했습니다'); showBookings(); }
			});
			actions.append(acc);
		}
		if (['pending', 'approved', 'waiting', 'offered'].includes(b.state)) {
			const cancel = h('button', { class: 'small danger', type: 'button' }, '취소');
			cancel.addEventListener('click', async () => {
				if (await act(cancel, () => api('POST', `/api/v1/bookings/${b.id}/cancel`, {}))) { toast('예약을 취소했습니다'); showBookings(); }
			});
			actions.append(cancel);
		}
		const when = b.kind === 'regular' ? `${b.start}~${b.end} ${weekdaysKo(b.weekdays)}` : b.start;
		return {
			attrs: { dataset: { booking: String(b.id) } },
			cells: [nameOf(b.child), b.facility, KIND[b.kind] || b.kind, `${when} ${b.start_time}~${b.end_time}`,
				h('span', {}, badge(BOOKING_STATE, b.state), b.position ? ` 대기 ${b.position}번` : '', b.reason ? ` (${b.reason})` : ''), actions],
		};
	}), { id: 'bookings-table', empty: '예약 · 신청 내역이 없습니다' }));
}

function initForms() {
	const days = $('#apply-days');
	WEEKDAYS.forEach((w, i) => days.append(h('label', {}, h('input', { type: 'checkbox', value: String(i), checked: i < 5 }), w)));
	$('#apply-start').value = today();
	$('#apply-form').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const names = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
		const kind = $('#apply-kind').value;
		const body = {
			child: $('#apply-child').value.trim(), kind, start: $('#apply-start').value,
			start_time: $('#apply-from').value, end_time: $('#apply-to').value,
			documents: {
				application: $('#doc-application').checked, privacy_consent: $('#doc-privacy').checked,
				pickup_consent: 'online', first_aid_consent: 'online', going_home_consent: 'online',
				admission_docs: $('#doc-admission').checked,
			},
		};
		if (!$('#doc-consents').checked) {
			body.documents.pickup_consent = body.documents.first_aid_consent = body.documents.going_home_consent = 'paper';
		}
		if (kind === 'regular') {
			body.end = $('#apply-end').value;
			body.weekdays = [...days.querySelectorAll('input:checked')].map((x) => names[Number(x.value)]);
		}
		const code = $('#apply-facility').value.trim().toUpperCase();
		if (!/^[A-Z0-9]{1,15}$/.test(code) || !body.child) { toast('센터 코드와 아동 번호를 입력하세요', true); return; }
		const r = await act($('#apply-submit'), () => api('POST', `/api/v1/facilities/${code}/bookings`, body));
		if (r) {
			toast(r.state === 'waiting' ? `정원이 차서 대기 ${r.position}번으로 접수되었습니다` : '신청이 접수되었습니다. 센터의 승인을 기다려 주세요');
			showBookings();
		}
	});
	$('#link-form').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const id = $('#link-child').value.trim();
		if (!id) return;
		const r = await act($('#link-submit'), () => api('POST', `/api/v1/children/${encodeURIComponent(id)}/guardians`, {}));
		if (r) toast('연결을 신청했습니다. 센터가 확인하면 출결을 볼 수 있습니다');
	});
}

const PREFS = {
	arrival: '등원 알림', departure: '하원 알림', booking: '예약 승인·반려 알림',
	waitlist_offer: '대기 자리 제안 알림', missing_departure: '하원 미태그 알림',
};

async function showPrefs() {
	const p = await api('GET', '/api/v1/my/notification-preferences');
	const box = clear($('#prefs-list'));
	for (const [k, label] of Object.entries(PREFS)) {
		const cb = h('input', { type: 'checkbox', id: 'pref-' + k, checked: !!p[k] });
		cb.addEventListener('change', async () => {
			const r = await act(cb, () => api('PUT', '/api/v1/my/notification-preferences', { [k]: cb.checked }));
			if (r) toast(`${label}을(를) ${cb.checked ? '켰습니다' : '껐습니다'}`);
			else cb.checked = !cb.checked;
		});
		box.append(h('label', {}, cb, label));
	}
}

async function main() {
	const s = await loadSession();
	topbar(s, '우리 아이');
	initForms();
	await loadChildren();
	childrenFresh = true;
	const sel = $('#history-child');
	for (const c of children) sel.append(h('option', { value: c.id }, c.name));
	$('#history-month').value = today().slice(0, 7);
	$('#history-show').addEventListener('click', () => showHistory().catch((e) => toast(e.message, true)));
	const views = { today: showToday, history: showHistory, bookings: showBookings, alerts: showPrefs };
	tabs($('#tabs'), (name) => views[name]().catch((e) => toast(e.message, true)));
}

main().catch((e) => toast(e.message, true));
