// 비밀번호 변경: the own password (POST /api/v1/session/password, hub/api/PORTAL.md). Opened
// from every page's top bar, and forced after sign-in (and on any 403 password_change_required)
// while the account still has the first password someone else chose. The hub ends every
// session of the account on success, so the page signs in again with the new password and
// goes on to ?next= (a path of this site) or the role's home page.
import {
	PASSWORD_PAGE, changePassword, homeFor, loadSession, login, sameSitePath,
} from './api.js';
import { $, flash, toast, topbar } from './ui.js';

// Korean for the answers this form can get (the hub's own Korean text is used when it has one,
// except for a wrong current password, whose sign-in wording would mislead here).
const MESSAGES = {
	login_failed: '현재 비밀번호가 올바르지 않습니다. 5회 틀리면 계정이 잠깁니다.',
	password_reused: '새 비밀번호는 지금 비밀번호와 달라야 합니다',
	password_length: '비밀번호는 10~20자입니다',
	password_chars: '비밀번호에 쓸 수 없는 문자가 있습니다',
	password_mix: '비밀번호는 영문과 숫자를 섞어야 합니다',
	password_mismatch: '입력된 비밀번호가 일치하지 않습니다. 다시 확인해주세요',
	too_many_attempts: '요청이 너무 많습니다. 잠시 후 다시 시도하세요',
};
// Which field an error is about.
const FIELD = {
	login_failed: '#pw-current', password_reused: '#pw-new', password_length: '#pw-new',
	password_chars: '#pw-new', password_mix: '#pw-new', password_mismatch: '#pw-confirm',
};

// The rules as the hub checks them (hub/domain/org.c org_password_check).
function rulesMet(current, pw) {
	return {
		length: pw.length >= 10 && pw.length <= 20,
		mix: /[A-Za-z]/.test(pw) && /[0-9]/.test(pw),
		chars: pw.length > 0 && /^[\x21-\x7e]+$/.test(pw),
		differ: pw.length > 0 && pw !== current,
	};
}

function showRules() {
	const met = rulesMet($('#pw-current').value, $('#pw-new').value);
	for (const li of document.querySelectorAll('#pw-rules li'))
		li.classList.toggle('met', !!met[li.dataset.rule]);
}

function showError(msg, field) {
	for (const sel of ['#pw-current', '#pw-new', '#pw-confirm'])
		$(sel).removeAttribute('aria-invalid');
	$('#pw-error').textContent = msg;
	if (field) {
		$(field).setAttribute('aria-invalid', 'true');
		$(field).focus();
	}
}

function onward(s) {
	const want = sameSitePath(new URLSearchParams(location.search).get('next'));
	return want && !want.startsWith(PASSWORD_PAGE) && want !== '/' ? want : homeFor(s);
}

async function submit(ev, s) {
	ev.preventDefault();
	const cur = $('#pw-current').value;
	const pw = $('#pw-new').value;
	const confirm = $('#pw-confirm').value;
	if (!cur) return showError('현재 비밀번호를 입력하세요', '#pw-current');
	if (!pw) return showError('새 비밀번호를 입력하세요', '#pw-new');
	if (!confirm) return showError('새 비밀번호를 한 번 더 입력하세요', '#pw-confirm');
	showError('');
	$('#pw-submit').disabled = true;
	try {
		await changePassword(cur, pw, confirm);
	} catch (e) {
		$('#pw-submit').disabled = false;
		if (e.status === 401 && e.code !== 'login_failed') {
			// The session ended meanwhile: sign in again, then come back here.
			location.replace('/?next=' + encodeURIComponent(location.pathname + location.search));
			return undefined;
		}
		const msg = e.code === 'login_failed' ? MESSAGES.login_failed : e.message || MESSAGES[e.code];
		return showError(msg || MESSAGES[e.code] || '비밀번호를 바꾸지 못했습니다', FIELD[e.code]);
	}
	// Changed; every session ended. Sign in again with the new password and go on.
	try {
		const again = await login(s.account, pw);
		flash('비밀번호를 변경했습니다');
		location.replace(onward(again));
	} catch (e) {
		location.replace('/');
	}
	return undefined;
}

async function main() {
	let s;
	try {
		s = await loadSession({ redirect: false });
	} catch (e) {
		if (e.status === 401) {
			location.replace('/?next=' + encodeURIComponent(location.pathname + location.search));
			return;
		}
		throw e;
	}
	topbar(s, '비밀번호 변경');
	$('#pw-forced').hidden = !s.must_change_password;
	$('#pw-voluntary').hidden = !!s.must_change_password;
	$('#pw-card').hidden = false;
	for (const sel of ['#pw-current', '#pw-new'])
		$(sel).addEventListener('input', showRules);
	$('#pw-form').addEventListener('submit', (ev) => submit(ev, s));
	$('#pw-current').focus();
}

main().catch((e) => toast(e.message, true));
