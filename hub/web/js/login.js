// The sign-in page: an existing session goes straight to its home page; otherwise id and
// password are posted to /api/v1/session and the answer's roles pick the page to open. An
// account that must change its first password goes to the password page first (keeping ?next=).
import { PASSWORD_PAGE, homeFor, loadSession, login, sameSitePath } from './api.js';
import { $ } from './ui.js';

function next(s) {
	const want = sameSitePath(new URLSearchParams(location.search).get('next'));
	if (s.must_change_password)
		return PASSWORD_PAGE + (want ? '?next=' + encodeURIComponent(want) : '');
	return want || homeFor(s);
}

async function main() {
	try {
		const s = await loadSession({ redirect: false });
		location.replace(next(s));
		return;
	} catch (e) {
		// Not signed in: show the form.
	}
	const form = $('#login-form');
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const err = $('#login-error');
		const id = $('#login-id').value.trim();
		const pw = $('#login-password').value;
		err.textContent = '';
		if (!id || !pw) {
			err.textContent = '아이디와 비밀번호를 입력하세요';
			return;
		}
		$('#login-submit').disabled = true;
		try {
			const s = await login(id, pw);
			location.replace(next(s));
		} catch (e) {
			err.textContent = e.message;
			$('#login-submit').disabled = false;
		}
	});
	$('#login-id').focus();
}

main();
