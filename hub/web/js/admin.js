// District and city officers (구관리자, 시관리자, 총괄운영): facilities with filters and paging,
// capacity change requests, account approvals (the city approves district officers' sign-ups;
// a district officer grants the center role to the staff accounts of the district), and
// statistics with charts and CSV/XLSX export (js/stats.js).
import { api, isCitywide, loadSession, qs, roleKinds } from './api.js';
import { $, ACCOUNT_STATE, DISTRICTS, TYPES, act, clear, h, table, tabs, toast, topbar } from './ui.js';
import { showStats } from './stats.js';

let session = null;
let facPage = 1;

// ---- 시설관리 ----
function initFacilityFilter() {
	const d = $('#fac-district');
	if (isCitywide(session)) {
		d.append(h('option', { value: '' }, '자치구 전체'));
		for (const [code, name] of Object.entries(DISTRICTS)) d.append(h('option', { value: code }, name));
	} else {
		d.append(h('option', { value: session.district }, DISTRICTS[session.district] || session.district));
		d.disabled = true;
	}
	const t = $('#fac-type');
	t.append(h('option', { value: '' }, '시설유형 전체'));
	for (const [code, name] of Object.entries(TYPES)) t.append(h('option', { value: code }, name));
	$('#fac-filter').addEventListener('submit', (ev) => {
		ev.preventDefault();
		facPage = 1;
		showFacilities().catch((e) => toast(e.message, true));
	});
}

async function showFacilities() {
	const q = {
		district: $('#fac-district').value, type: $('#fac-type').value,
		operating: $('#fac-operating').value, q: $('#fac-q').value.trim(), page: facPage, per_page: 20,
	};
	const d = await api('GET', '/api/v1/facilities' + qs(q));
	$('#fac-sub').textContent = `전체 ${d.total}건 (${d.page}페이지 / 전체 ${Math.max(d.pages, 1)}페이지)`;
	clear($('#fac-list')).append(table(['코드', '시설명', '자치구', '유형', '정원', '운영', ''], d.items.map((f) => {
		const hasCap = f.capacity !== null && f.capacity !== undefined;
		const cap = hasCap ? h('button', { class: 'small secondary', type: 'button' }, '정원변경') : null;
		if (cap) cap.addEventListener('click', () => showCapacity(f).catch((e) => toast(e.message, true)));
		return {
			attrs: { dataset: { code: f.code } },
			cells: [h('code', {}, f.code), f.name, f.district_name || f.district, f.type_name || f.type,
				f.capacity === null || f.capacity === undefined ? '-' : `${f.capacity}명`,
				f.operating ? '운영' : '미운영',
				h('div', { class: 'row' }, h('a', { class: 'button', href: `/staff?facility=${encodeURIComponent(f.code)}#door` }, '출결 · 카드'), cap)],
		};
	}), { id: 'fac-table', empty: '조건에 맞는 시설이 없습니다' }));
	const pages = clear($('#fac-pages'));
	if (d.pages > 1) {
		const prev = h('button', { class: 'small secondary', type: 'button', disabled: d.page <= 1 }, '이전');
		const next = h('button', { class: 'small secondary', type: 'button', disabled: d.page >= d.pages }, '다음');
		prev.addEventListener('click', () => { facPage--; showFacilities(); });
		next.addEventListener('click', () => { facPage++; showFacilities(); });
		pages.append(prev, h('span', { class: 'muted' }, `${d.page} / ${d.pages}`), next);
	}
}

async function showCapacity(row) {
	const f = await api('GET', `/api/v1/facilities/${row.code}`);
	const d = await api('GET', `/api/v1/facilities/${f.code}/capacity-requests`);
	$('#cap-card').hidden = false;
	$('#cap-sub').textContent = `${f.name} (${f.code})`;
	clear($('#cap-list')).append(table(['요청일', '정원', '사유', '상태', '처리'], d.items.map((c) => {
		const cells = [c.requested_at.slice(0, 10), `${c.from_capacity} → ${c.to_capacity}명`, c.reason];
		if (c.state === 'pending') {
			const reason = h('input', { placeholder: '반려 사유', 'aria-label': '반려 사유' });
			const ok = h('button', { class: 'small', type: 'button' }, '승인');
			const no = h('button', { class: 'small danger', type: 'button' }, '반려');
			const decide = async (btn, decision) => {
				const body = { decision };
				if (decision === 'reject') body.reason = reason.value.trim();
				const r = await act(btn, () => api('POST', `/api/v1/facilities/${f.code}/capacity-requests/${c.id}/decision`, body));
				if (r) { toast(decision === 'approve' ? '정원변경을 승인했습니다' : '정원변경을 반려했습니다'); showCapacity(f); showFacilities(); }
			};
			ok.addEventListener('click', () => decide(ok, 'approve'));
			no.addEventListener('click', () => decide(no, 'reject'));
			cells.push('승인대기', h('div', { class: 'row' }, ok, reason, no));
		} else {
			cells.push(c.state === 'approved' ? '승인' : '반려', c.decision_reason || '');
		}
		return { attrs: { dataset: { request: String(c.id) } }, cells };
	}), { id: 'cap-table', empty: '정원변경 요청이 없습니다' }));
	if (!d.items.some((c) => c.state === 'pending')) {
		// 정원변경 is agreed between district and center: either may propose it.
		const to = h('input', { type: 'number', min: '0', id: 'cap-to', placeholder: '새 정원', 'aria-label': '새 정원' });
		const why = h('input', { id: 'cap-reason', class: 'grow', placeholder: '사유 (예: 공간 확장)', 'aria-label': '사유' });
		const go = h('button', { type: 'button', class: 'small' }, '정원변경 요청');
		go.addEventListener('click', async () => {
			const r = await act(go, () => api('POST', `/api/v1/facilities/${f.code}/capacity-requests`, { capacity: Number(to.value), reason: why.value.trim() }));
			if (r) { toast('정원변경을 요청했습니다'); showCapacity(f); }
		});
		$('#cap-list').append(h('div', { class: 'row inline' }, `현재 정원 ${f.capacity}명 →`, to, why, go));
	}
	$('#cap-card').scrollIntoView({ block: 'nearest' });
}

// ---- 계정 승인 ----
// City: district officers' sign-ups by approval state, approved, held or rejected with a reason.
async function showSignups() {
	const state = $('#acc-state').value;
	const d = await api('GET', '/api/v1/accounts' + qs({ state }));
	const rows = d.accounts.filter((a) => !a.facility);
	$('#acc-sub').textContent = `${rows.length}건`;
	clear($('#acc-list')).append(table(['아이디', '이름', '담당지역', '담당업무', '가입일', '상태', '처리'], rows.map((a) => {
		const actions = h('div', { class: 'row' });
		if (a.state === 'pending' || a.state === 'hold') {
			const reason = h('input', { placeholder: '보류·반려 사유', 'aria-label': '사유' });
			const mk = (label, to, cls) => {
				const b = h('button', { class: 'small ' + cls, type: 'button' }, label);
				b.addEventListener('click', async () => {
					const body = { state: to };
					if (to !== 'approved') body.reason = reason.value.trim();
					const r = await act(b, () => api('POST', `/api/v1/accounts/${a.id}/approval`, body));
					if (r) { toast(`${a.name} (${a.id}): ${ACCOUNT_STATE[to]}`); showSignups(); }
				});
				return b;
			};
			actions.append(mk('승인', 'approved', ''), reason, mk('보류', 'hold', 'secondary'), mk('반려', 'rejected', 'danger'));
		}
		return {
			attrs: { dataset: { account: a.id } },
			cells: [a.id, a.name, DISTRICTS[a.district] || a.district, TYPES[a.duty] || a.duty,
				new Date(a.created_ms).toLocaleDateString('ko-KR'), ACCOUNT_STATE[a.state] || a.state, actions],
		};
	}), { id: 'acc-table', empty: '해당 상태의 가입신청이 없습니다' }));
}

// District: the staff accounts of the district; one without a role cannot work yet, and the
// officer grants it the center role of its facility's type (일괄권한지정 for one account).
async function showStaffAccounts() {
	const d = await api('GET', '/api/v1/accounts');
	const rows = d.accounts.filter((a) => a.facility);
	$('#acc-sub').textContent = `${rows.length}개 계정`;
	const details = await Promise.all(rows.slice(0, 100).map((a) => api('GET', `/api/v1/accounts/${a.id}`).catch(() => a)));
	clear($('#acc-list')).append(table(['아이디', '이름', '시설', '권한', '상태', '처리'], details.map((a) => {
		const roles = a.roles || [];
		const actions = h('div', { class: 'row' });
		if (!roles.length) {
			const type = a.facility.slice(2, 4);
			const b = h('button', { class: 'small', type: 'button' }, '센터관리자 권한 승인');
			b.addEventListener('click', async () => {
				const r = await act(b, () => api('PUT', `/api/v1/accounts/${a.id}/roles`, { roles: [{ role: 'center', type }] }));
				if (r) { toast(`${a.name} (${a.id}) 계정에 센터관리자 권한을 부여했습니다`); showStaffAccounts(); }
			});
			actions.append(b);
		}
		if (a.locked) {
			const u = h('button', { class: 'small secondary', type: 'button' }, '잠금해제');
			u.addEventListener('click', async () => {
				if (await act(u, () => api('POST', `/api/v1/accounts/${a.id}/unlock`, {}))) { toast('잠금을 풀었습니다'); showStaffAccounts(); }
			});
			actions.append(u);
		}
		return {
			attrs: { dataset: { account: a.id } },
			cells: [a.id, a.name, a.facility, roles.length ? roles.map((r) => r.name).join(', ') : '권한 미지정',
				a.locked ? '잠김' : a.enabled === false ? '사용중지' : '사용', actions],
		};
	}), { id: 'acc-table', empty: '자치구의 시설 계정이 없습니다' }));
}

function initAccounts() {
	const f = clear($('#acc-filter'));
	if (isCitywide(session)) {
		$('#acc-help').textContent = '자치구 담당자의 가입신청을 승인, 보류(사유 필수) 또는 반려(사유 필수)합니다.';
		const sel = h('select', { id: 'acc-state', 'aria-label': '승인상태' },
			Object.entries(ACCOUNT_STATE).map(([k, v]) => h('option', { value: k }, v)));
		sel.addEventListener('change', () => showSignups().catch((e) => toast(e.message, true)));
		f.append(sel);
		return () => showSignups();
	}
	$('#acc-help').textContent = '자치구 시설의 담당자 계정입니다. 새 계정에 센터관리자 권한을 승인해야 로그인 후 업무를 볼 수 있습니다.';
	return () => showStaffAccounts();
}

async function main() {
	session = await loadSession();
	const kinds = roleKinds(session);
	const title = isCitywide(session) ? '서울시 관리자' : kinds.has('district') ? `${DISTRICTS[session.district] || ''} 관리자` : '관리자';
	topbar(session, title);
	initFacilityFilter();
	const accounts = initAccounts();
	if (!isCitywide(session) && !kinds.has('district')) $('#tabs button[data-tab="accounts"]').hidden = true;
	const views = {
		facilities: () => showFacilities(),
		accounts,
		stats: () => showStats(session),
	};
	tabs($('#tabs'), (name) => views[name]().catch((e) => toast(e.message, true)));
}

main().catch((e) => toast(e.message, true));
