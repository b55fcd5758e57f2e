// DOM helpers shared by the portal's pages: elements built with textContent only (data never
// becomes markup), the top bar, tabs, notices, and the Korean words and formats of the domain.

import { PASSWORD_PAGE, logout } from './api.js';

// h('div', {class: 'card', onclick: fn}, child, ...): children are nodes or text.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'class') el.className = v;
		else if (k === 'text') el.textContent = v;
		else if (k === 'dataset') Object.assign(el.dataset, v);
		else if (v === true) el.setAttribute(k, '');
		else el.setAttribute(k, v);
	}
	for (const c of children.flat()) {
		if (c === undefined || c === null || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

export function $(sel, root = document) {
	return root.querySelector(sel);
}

export function clear(el) {
	while (el.firstChild) el.firstChild.remove();
	return el;
}

let toastTimer = null;
export function toast(msg, bad = false) {
	let el = $('#toast');
	if (!el) {
		el = h('div', { id: 'toast', class: 'toast', role: 'status', 'aria-live': 'polite' });
		document.body.append(el);
	}
	el.textContent = msg;
	el.className = bad ? 'toast bad' : 'toast';
	el.hidden = false;
	clearTimeout(toastTimer);
	toastTimer = setTimeout(() => { el.hidden = true; }, 4000);
}

// A notice for the next page this tab opens (e.g. after the password change signs in again):
// shown by topbar() there.
const FLASH_KEY = 'kium-flash';
export function flash(msg) {
	try { sessionStorage.setItem(FLASH_KEY, msg); } catch (e) { /* storage off: no notice */ }
}
function takeFlash() {
	try {
		const m = sessionStorage.getItem(FLASH_KEY);
		sessionStorage.removeItem(FLASH_KEY);
		return m;
	} catch (e) {
		return null;
	}
}

// Runs an async action from a button: disabled meanwhile, errors shown as a notice.
export async function act(button, fn) {
	if (button) button.disabled = true;
	try {
		return await fn();
	} catch (e) {
		toast(e.message || String(e), true);
		return undefined;
	} finally {
		if (button) button.disabled = false;
	}
}

// The top bar: brand, who is signed in, 비밀번호 변경 (back to this page afterwards), sign-out.
export function topbar(session, title) {
	// One name per kind of role: "시관리자" for a city officer of all four facility types.
	const roles = (session.roles || []).filter((r) => r.name);
	let roleName = roles.length ? roles[0].name : '';
	if (roles.filter((r) => r.role === roles[0].role).length > 1) roleName = roleName.split('_')[0];
	const bar = h('header', { class: 'topbar' },
		h('a', { class: 'brand', href: '/' }, h('img', { src: '/img/logo.svg', alt: '' }), '키움 포털'),
		h('span', { class: 'title' }, title),
		h('span', { class: 'who', id: 'who' }, `${session.name} (${session.account})`,
			roleName ? ' · ' + roleName : ''),
		location.pathname === PASSWORD_PAGE ? null
			: h('a', { class: 'small', id: 'password-link',
				href: PASSWORD_PAGE + '?next=' + encodeURIComponent(location.pathname + location.search) },
			'비밀번호 변경'),
		h('button', { class: 'small', id: 'logout', onclick: () => logout() }, '로그아웃'));
	document.body.prepend(bar);
	const note = takeFlash();
	if (note) toast(note);
}

// Tabs: buttons [data-tab=NAME] show the section #tab-NAME; the choice is kept in the URL hash.
export function tabs(nav, onShow) {
	const buttons = [...nav.querySelectorAll('button[data-tab]')];
	const show = (name) => {
		for (const b of buttons) {
			const on = b.dataset.tab === name;
			b.setAttribute('aria-selected', on ? 'true' : 'false');
			const sec = document.getElementById('tab-' + b.dataset.tab);
			if (sec) sec.hidden = !on;
		}
		if (location.hash.slice(1) !== name) history.replaceState(null, '', '#' + name);
		if (onShow) onShow(name);
	};
	for (const b of buttons) b.addEventListener('click', () => show(b.dataset.tab));
	const want = location.hash.slice(1);
	show(buttons.some((b) => b.dataset.tab === want) ? want : buttons[0].dataset.tab);
	return show;
}

// ---- dates and times (a "day" is the local day in Asia/Seoul) ----
const seoulDay = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' });
const seoulTime = new Intl.DateTimeFormat('ko-KR', { timeZone: 'Asia/Seoul', hour: '2-digit', minute: '2-digit', hour12: false });

export function today() {
	return seoulDay.format(new Date());
}
export function dayOf(ms) {
	return seoulDay.format(new Date(ms));
}
export function timeOf(ms) {
	return ms ? seoulTime.format(new Date(ms)) : '';
}
// "YYYY-MM-DD" plus n days.
export function addDays(day, n) {
	const d = new Date(day + 'T00:00:00Z');
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}
export function monthRange(ym) {
	const [y, m] = ym.split('-').map(Number);
	const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
	return [`${ym}-01`, `${ym}-${String(last).padStart(2, '0')}`];
}
export function dateKo(day) {
	const d = new Date(day + 'T00:00:00Z');
	const wd = '일월화수목금토'[d.getUTCDay()];
	return `${d.getUTCMonth() + 1}월 ${d.getUTCDate()}일 (${wd})`;
}

// ---- the domain's words ----
export const STATUS = {
	present: ['출석', 'ok'],
	late: ['지각', 'warn'],
	left_early: ['조퇴', 'warn'],
	no_departure: ['하원 미태그', 'warn'],
	absent: ['결석', 'bad'],
	expected: ['등원 예정', 'info'],
	unreserved: ['예약없는 이용', 'info'],
};
export const BOOKING_STATE = {
	pending: ['승인대기', 'info'],
	approved: ['이용중', 'ok'],
	waiting: ['대기', 'warn'],
	offered: ['자리 제안', 'info'],
	rejected: ['반려', 'bad'],
	cancelled: ['취소', ''],
	expired: ['기한 만료', ''],
};
export const KIND = { regular: '정기돌봄', temporary: '일시돌봄', sick: '아픈아이 돌봄' };
export const ACCOUNT_STATE = { pending: '승인대기', hold: '승인보류', approved: '승인완료', rejected: '반려' };
export const TYPES = { UK: '우리동네키움센터', CC: '열린육아방·공동육아나눔터', GI: '지역아동센터', SK: '서울형키즈카페' };
export const DISTRICTS = {
	GN: '강남구', GD: '강동구', GB: '강북구', GS: '강서구', GA: '관악구', GJ: '광진구', GR: '구로구',
	KC: '금천구', NW: '노원구', DB: '도봉구', DM: '동대문구', DJ: '동작구', MP: '마포구', SM: '서대문구',
	SC: '서초구', SD: '성동구', SB: '성북구', SP: '송파구', YC: '양천구', YF: '영등포구', YS: '용산구',
	EP: '은평구', JN: '종로구', JG: '중구', JR: '중랑구',
};
export const WEEKDAYS = ['월', '화', '수', '목', '금', '토', '일'];

export function badge(map, code) {
	const [text, kind] = map[code] || [code, ''];
	return h('span', { class: 'badge ' + kind, dataset: { code } }, text);
}
export function weekdaysKo(mask) {
	return WEEKDAYS.filter((_, i) => mask & (1 << i)).join('·');
}

// A table whose cells carry their header as data-label (shown on narrow screens).
export function table(headers, rows, opts = {}) {
	if (!rows.length) return h('p', { class: 'empty' }, opts.empty || '자료가 없습니다');
	return h('table', { class: 'list', id: opts.id },
		h('thead', {}, h('tr', {}, headers.map((t) => h('th', {}, t)))),
		h('tbody', {}, rows.map((r) => h('tr', r.attrs || {},
			r.cells.map((c, i) => h('td', { 'data-label': headers[i] }, c))))));
}

export function field(labelText, input) {
	const id = input.id || 'f-' + Math.random().toString(36).slice(2, 8);
	input.id = id;
	return h('div', {}, h('label', { for: id }, labelText), input);
}
