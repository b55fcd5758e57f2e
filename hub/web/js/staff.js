// Center staff (센터관리자): today's door live from the reconciliation day route, refreshed
// every few seconds; RF card registration, replacement and deactivation with the unknown-card
// taps offered for registration; applications to approve or reject; the waitlist. District
// and city officers reach a center's page with ?facility=CODE.
import { api, loadSession, qs } from './api.js';
import {
	$, BOOKING_STATE, KIND, STATUS, act, badge, clear, dateKo, h, table, tabs, timeOf, today,
	toast, topbar, weekdaysKo,
} from './ui.js';

const REFRESH_MS = 4000;
let facility = '';
let names = new Map();         // child id -> full name (from the cards route)
let namesAt = 0;
let doorTimer = null;

function nameOf(id) {
	return names.get(id) || id;
}

async function loadNames(force) {
	if (!force && Date.now() - namesAt < 30000) return null;
	const d = await api('GET', `/api/v1/facilities/${facility}/cards`);
	names = new Map(d.children.map((c) => [c.id, c.name]));
	namesAt = Date.now();
	return d;
}

// ---- 오늘 출결 ----
function tile(row, cls, line) {
	// During the day a booked child without a tap has not come yet (미등원); 결석 is for the record.
	const st = row.status === 'absent' && !row.arrived ? badge({ absent: ['미등원', 'bad'] }, 'absent') : badge(STATUS, row.status);
	return h('div', { class: 'tile ' + cls, dataset: { child: row.child } },
		h('div', { class: 'name' }, nameOf(row.child)),
		h('div', { class: 'time' }, line),
		h('div', {}, st));
}

function fill(el, tiles, empty) {
	clear(el).append(...(tiles.length ? tiles : [h('p', { class: 'empty' }, empty)]));
}

async function refreshDoor() {
	const d = await api('GET', `/api/v1/facilities/${facility}/reconciliation${qs({ date: today() })}`);
	if (d.children.some((c) => !names.has(c.child))) await loadNames(false);
	const inNow = [], late = [], expected = [], left = [];
	for (const c of d.children) {
		const tapsOdd = c.taps % 2 === 1;
		if (c.arrived && tapsOdd) inNow.push(c);
		else if (c.arrived && c.taps >= 2) left.push(c);
		if (c.status === 'late' || (c.status === 'absent' && !c.arrived)) late.push(c);
		if (c.status === 'expected') expected.push(c);
	}
	const s = d.summary;
	const kpi = (cls, n, label, id) => h('div', { class: 'kpi ' + cls, id }, h('b', {}, String(n)), h('span', {}, label));
	clear($('#door-kpis')).append(
		kpi('in', inNow.length, '재원 중', 'kpi-in'),
		kpi('expected', expected.length, '등원 예정', 'kpi-expected'),
		kpi('late', late.length, '지각·미등원', 'kpi-late'),
		kpi('', left.length, '하원', 'kpi-left'),
		kpi('', s.booked, '예약 아동', 'kpi-booked'),
		kpi('', s.users, '일일 이용자', 'kpi-users'));
	fill($('#door-in'), inNow.map((c) => tile(c, 'in', `등원 ${c.arrived}`)), '지금 센터에 있는 아동이 없습니다');
	fill($('#door-late'), late.map((c) => tile(c, c.arrived ? 'late' : 'absent',
		c.arrived ? `등원 ${c.arrived} (예약 ${c.start})` : `예약 ${c.start || '-'} · 아직 태그 없음`)), '지각한 아동이 없습니다');
	fill($('#door-expected'), expected.map((c) => tile(c, 'expected', `예약 ${c.start}~${c.end}`)), '등원 예정 아동이 없습니다');
	fill($('#door-left'), left.map((c) => tile(c, 'left', `등원 ${c.arrived} · 하원 ${c.left}`)), '하원한 아동이 없습니다');
	const up = $('#door-updated');
	clear(up).append(h('span', { class: 'live-dot' }), `${dateKo(d.date)} · ${new Date().toLocaleTimeString('ko-KR', { hour12: false })} 갱신`);
}

function startDoor() {
	stopDoor();
	const tick = async () => {
		try {
			await refreshDoor();
		} catch (e) {
			const dot = $('#door-updated .live-dot');
			if (dot) dot.classList.add('stale');
			if (e.status && e.status !== 503) toast(e.message, true);
		}
		doorTimer = setTimeout(tick, REFRESH_MS);
	};
	tick();
}

function stopDoor() {
	clearTimeout(doorTimer);
	doorTimer = null;
}

// ---- RF카드 관리 ----
async function register(uid, child, replace, button) {
	const r = await act(button, () => api('POST', `/api/v1/facilities/${facility}/cards`, { uid, child, replace }));
	if (!r) return false;
	toast(r.replaced ? `${nameOf(child)} 아동의 카드를 교체했습니다 (이전 카드 ${r.replaced} 사용중지)`
		: `${nameOf(child)} 아동에게 카드 ${r.uid}를 등록했습니다`);
	await showCards();
	return true;
}

function childSelect(children, id) {
	return h('select', { id, 'aria-label': '아동 선택' }, h('option', { value: '' }, '-- 아동 선택 --'),
		children.map((c) => h('option', { value: c.id }, `${c.name} (${c.id})${c.card ? ' · 카드 있음' : ''}`)));
}

async function showCards() {
	const d = await loadNames(true);
	$('#unknown-sub').textContent = `최근 ${d.unknown_days}일, ${d.unknown.length}건`;
	clear($('#unknown-list')).append(table(['카드번호', '태그', '마지막 태그', '등록'], d.unknown.map((u) => {
		const sel = childSelect(d.children, 'unknown-child-' + u.uid);
		const btn = h('button', { class: 'small', type: 'button' }, '등록');
		btn.addEventListener('click', () => {
			const c = d.children.find((x) => x.id === sel.value);
			if (!c) { toast('등록할 아동을 고르세요', true); return; }
			register(u.uid, c.id, !!c.card, btn);
		});
		return { attrs: { dataset: { uid: u.uid } }, cells: [h('code', {}, u.uid), `${u.taps}회`, `${timeOf(u.last_ms)} (${u.device})`, h('div', { class: 'row' }, sel, btn)] };
	}), { id: 'unknown-table', empty: '미등록 카드 태그가 없습니다' }));

	const sel = $('#card-child');
	clear(sel).append(...childSelect(d.children, 'x').children);
	$('#children-sub').textContent = `${d.children.length}명`;
	clear($('#children-list')).append(table(['아동', '카드', '상태'], d.children.map((c) => ({
		attrs: { dataset: { child: c.id } },
		cells: [`${c.name} (${c.id})`, c.card ? h('code', {}, c.card) : '-', c.card ? badge({ on: ['사용중', 'ok'] }, 'on') : badge({ off: ['미등록', 'warn'] }, 'off')],
	})), { id: 'children-table', empty: '등록된 아동이 없습니다' }));

	clear($('#cards-history')).append(table(['카드번호', '아동', '등록', '상태'], d.cards.map((c) => {
		const cells = [h('code', {}, c.uid), `${c.name} (${c.child})`, new Date(c.assigned_ms).toLocaleDateString('ko-KR')];
		if (c.active) {
			const btn = h('button', { class: 'small danger', type: 'button' }, '사용중지');
			btn.addEventListener('click', async () => {
				const r = await act(btn, () => api('POST', `/api/v1/facilities/${facility}/cards/${c.uid}/deactivate`, {}));
				if (r) { toast(`카드 ${c.uid}를 사용중지했습니다`); showCards(); }
			});
			cells.push(h('div', { class: 'row' }, badge({ on: ['사용중', 'ok'] }, 'on'), btn));
		} else {
			cells.push(badge({ off: [`사용중지 ${new Date(c.removed_ms).toLocaleDateString('ko-KR')}`, ''] }, 'off'));
		}
		return { attrs: { dataset: { uid: c.uid } }, cells };
	}), { id: 'cards-table', empty: '등록된 카드가 없습니다' }));
}

function initCardForm() {
	$('#card-form').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const uid = $('#card-uid').value.trim().replace(/[\s:-]/g, '');
		const child = $('#card-child').value;
		if (!/^([0-9a-fA-F]{8}|[0-9a-fA-F]{14}|[0-9a-fA-F]{20})$/.test(uid)) {
			toast('카드번호는 8, 14 또는 20자리 16진수입니다', true);
			return;
		}
		if (!child) { toast('아동을 고르세요', true); return; }
		if (await register(uid, child, $('#card-replace').checked, $('#card-submit'))) {
			$('#card-uid').value = '';
			$('#card-replace').checked = false;
		}
	});
}

// ---- 예약신청 관리, 대기자 ----
function period(b) {
	return b.kind === 'regular' ? `${b.start} ~ ${b.end} (${weekdaysKo(b.weekdays)})` : b.start;
}

function docsText(docs) {
	if (!docs || !Object.keys(docs).length) return '-';
	const ok = [docs.application && '이용신청서', docs.privacy_consent && '개인정보 동의', docs.admission_docs && '입소서류'].filter(Boolean);
	return ok.join(', ') || '미제출';
}

async function showApplications() {
	await loadNames(false);
	const d = await api('GET', `/api/v1/facilities/${facility}/bookings?list=applications`);
	$('#apps-sub').textContent = `${d.bookings.length}건`;
	clear($('#apps-list')).append(table(['아동', '유형', '기간', '시간', '서류', '처리'], d.bookings.map((b) => {
		const reason = h('input', { placeholder: '반려 사유', 'aria-label': '반려 사유' });
		const ok = h('button', { class: 'small', type: 'button' }, '승인');
		const no = h('button', { class: 'small danger', type: 'button' }, '반려');
		const decide = async (btn, decision) => {
			const body = { decision };
			if (decision === 'reject') {
				if (!reason.value.trim()) { toast('반려 사유를 입력하세요', true); return; }
				body.reason = reason.value.trim();
			}
			const r = await act(btn, () => api('POST', `/api/v1/bookings/${b.id}/decision`, body));
			if (r) { toast(decision === 'approve' ? `${nameOf(b.child)} 아동의 신청을 승인했습니다` : '신청을 반려했습니다'); showApplications(); }
		};
		ok.addEventListener('click', () => decide(ok, 'approve'));
		no.addEventListener('click', () => decide(no, 'reject'));
		return {
			attrs: { dataset: { booking: String(b.id) } },
			cells: [`${nameOf(b.child)} (${b.child})`, KIND[b.kind] || b.kind, period(b), `${b.start_time}~${b.end_time}`,
				docsText(b.documents), h('div', { class: 'row' }, ok, reason, no)],
		};
	}), { id: 'apps-table', empty: '승인을 기다리는 신청이 없습니다' }));
}

async function showWaitlist() {
	await loadNames(false);
	const d = await api('GET', `/api/v1/facilities/${facility}/bookings?list=waitlist`);
	$('#wait-sub').textContent = `${d.bookings.length}명`;
	clear($('#wait-list')).append(table(['순번', '아동', '유형', '기간', '상태'], d.bookings.map((b) => ({
		attrs: { dataset: { booking: String(b.id) } },
		cells: [b.position ? `${b.position}번` : '-', `${nameOf(b.child)} (${b.child})`, KIND[b.kind] || b.kind, period(b),
			h('span', {}, badge(BOOKING_STATE, b.state), b.offer_expires_ms ? ` ${timeOf(b.offer_expires_ms)}까지 수락` : '')],
	})), { id: 'wait-table', empty: '대기자가 없습니다' }));
}

async function main() {
	const s = await loadSession();
	const want = new URLSearchParams(location.search).get('facility');
	facility = (want && /^[A-Z0-9]{1,15}$/.test(want) ? want : '') || s.facility || '';
	topbar(s, facility ? `센터 관리 · ${facility}` : '센터 관리');
	if (!facility) {
		clear($('main')).append(h('section', { class: 'card' }, h('h2', {}, '시설을 고르세요'),
			h('p', {}, '시설 목록에서 센터를 고르면 출결과 카드를 볼 수 있습니다.'), h('a', { class: 'button', href: '/admin#facilities' }, '시설 목록')));
		return;
	}
	initCardForm();
	const views = {
		door: startDoor,
		cards: () => showCards().catch((e) => toast(e.message, true)),
		applications: () => showApplications().catch((e) => toast(e.message, true)),
		waitlist: () => showWaitlist().catch((e) => toast(e.message, true)),
	};
	tabs($('#tabs'), (name) => {
		if (name !== 'door') stopDoor();
		views[name]();
	});
	document.addEventListener('visibilitychange', () => {
		if (document.hidden) stopDoor();
		else if (location.hash === '#door' || !location.hash) startDoor();
	});
}

main().catch((e) => toast(e.message, true));
