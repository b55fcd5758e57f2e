// The portal's one way to the hub's API (hub/api/PORTAL.md): same-origin fetch with the
// session cookie (HttpOnly, so never read here), the CSRF token from the session answer in
// X-CSRF-Token on every change, and errors turned into their Korean message. An account that
// must change its first password (403 password_change_required) is sent to /password.

let session = null;

export class ApiError extends Error {
	constructor(status, code, message, detail) {
		super(message);
		this.status = status;
		this.code = code;
		this.detail = detail;
	}
}

// The Korean half of a hub message ("한국어 / English").
export function koreanMessage(m) {
	return m ? String(m).split(' / ')[0] : '';
}

// The page that changes one's password; PASSWORD_PAGE?next=PATH comes back to PATH after.
export const PASSWORD_PAGE = '/password';

// A path of this site to go on to (the ?next= of sign-in and the password page), never
// another origin; '' when want is not one.
export function sameSitePath(want) {
	if (want && /^\/[A-Za-z0-9/_-]*(\?[^#]*)?$/.test(want) && !want.startsWith('//')) return want;
	return '';
}

function here() {
	return location.pathname + location.search;
}

// Leaves for the password page (unless there already), coming back here afterwards.
export function goChangePassword() {
	if (location.pathname === PASSWORD_PAGE) return;
	location.replace(PASSWORD_PAGE + '?next=' + encodeURIComponent(here()));
}

// api(method, path, body?, {redirect}) -> parsed JSON. A 401 on a page that needs a session
// goes back to the sign-in page and a 403 password_change_required to the password page
// (redirect: false keeps them errors).
export async function api(method, path, body, opts = {}) {
	const headers = { Accept: 'application/json' };
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (method !== 'GET' && method !== 'HEAD' && session && session.csrf_token)
		headers['X-CSRF-Token'] = session.csrf_token;
	let res;
	try {
		res = await fetch(path, {
			method, headers, credentials: 'same-origin', cache: 'no-store',
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch (e) {
		throw new ApiError(0, 'network', '서버에 연결할 수 없습니다. 잠시 후 다시 시도하세요');
	}
	const text = await res.text();
	let data = null;
	if (text) {
		try { data = JSON.parse(text); } catch (e) { data = null; }
	}
	if (!res.ok) {
		const err = data && data.error ? data.error : {};
		if (res.status === 401 && opts.redirect !== false)
			location.href = '/?next=' + encodeURIComponent(here());
		if (res.status === 403 && err.code === 'password_change_required' && opts.redirect !== false)
			goChangePassword();
		throw new ApiError(res.status, err.code || 'http_' + res.status,
			koreanMessage(err.message) || `요청을 처리하지 못했습니다 (${res.status})`, err.detail);
	}
	return data;
}

// Whether a route exists on this hub (a route another part of the hub adds later): true
// unless the hub answers 404 not_found (no such route) or 405.
export async function routeExists(path) {
	try {
		await api('GET', path, undefined, { redirect: false });
		return true;
	} catch (e) {
		return !((e.status === 404 && e.code === 'not_found') || e.status === 405);
	}
}

// The session of a signed-in page. A session that must change its password first leaves for
// the password page and never resolves (the page it was for is not shown); redirect: false
// (sign-in page, password page) returns it as it is.
export async function loadSession(opts = {}) {
	session = await api('GET', '/api/v1/session', undefined, opts);
	if (session.must_change_password && opts.redirect !== false) {
		goChangePassword();
		return new Promise(() => {});
	}
	return session;
}

// Changes the own password (POST /api/v1/session/password). The hub then ends every session
// of the account, this one too, so the page signs in again with the new password.
export async function changePassword(current, password, confirm) {
	const r = await api('POST', '/api/v1/session/password',
		{ current_password: current, password, password_confirm: confirm }, { redirect: false });
	session = null;
	return r;
}

export async function login(id, password) {
	session = await api('POST', '/api/v1/session', { id, password }, { redirect: false });
	return session;
}

export async function logout() {
	try {
		await api('DELETE', '/api/v1/session', undefined, { redirect: false });
	} catch (e) {
		// Gone already: the sign-in page is where we go either way.
	}
	session = null;
	location.href = '/';
}

export function currentSession() {
	return session;
}

export function roleKinds(s) {
	return new Set(((s && s.roles) || []).map((r) => r.role));
}

export function isCitywide(s) {
	const k = roleKinds(s);
	return k.has('city') || k.has('operations') || k.has('developer');
}

// The page a signed-in account starts on.
export function homeFor(s) {
	const k = roleKinds(s);
	if (k.has('center')) return '/staff';
	if (isCitywide(s) || k.has('district') || k.has('coordinator')) return '/admin';
	if (k.has('parent')) return '/parent';
	return '/';
}

// Query strings from an object, skipping empty values.
export function qs(params) {
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(params))
		if (v !== undefined && v !== null && v !== '') u.set(k, v);
	const s = u.toString();
	return s ? '?' + s : '';
}
