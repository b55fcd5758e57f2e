#!/usr/bin/env python3
"""Generated demo data for the web portal, put in through the hub's own HTTPS API.

Used by `make run` (tools/run-demo.sh) and by tests/e2e/web_portal.sh. Everything is made up:
names are common Korean names, phone numbers are in the 010-0000-xxxx range, no real person.

The hub must already hold the facility NWUK015 (kiumctl facility add / hub_seed) and an API
token of role admin (총괄운영) and a city officer (kiumctl account create-city-admin). This script
then creates, relative to --now (UTC ms; a pinned hub clock in tests, the real time in the demo):

  - the year's four terms (open 00:00-23:59 so the demo works at any hour), NWUK015 as a
    general center of 6 places, four more facilities in four districts (system-issued codes);
  - children C001-C005 at NWUK015 by staff registration with today's bookings: C001 from an
    hour before now (arrives), C002 from 30 minutes before now (the test taps it in late),
    C003 from two hours after now (expected), C004 from an hour before now without a card
    (not arrived; its card "deadbeef" is tapped unknown), C005 earlier and gone home;
    then C007, C008, ... registered for the afternoon until the center is full and the last
    one waits (the waitlist);
  - cards for C001, C002, C003, C005 (kept when the hub holds them already: the e2e test
    assigns them days earlier through hub_seed so that the history taps have their holder);
  - accounts: the center's staff NWUK015001 (센터관리자), who proposes a capacity change
    (정원변경 5 -> 8, for the district to approve), a second staff account NWUK016001
    without a role (the district officer grants it), parent mom01 linked to C001 with an
    application for tomorrow (to approve), district officer nwofficer (approved) and gnofficer
    (pending, for the city to approve), and the center's second staff account NWUK015002
    (센터관리자) still with the first password its officer chose (it must change it at sign-in);
  - with --device: taps through the reader's client certificate: C001 in, C005 in and out,
    the unknown card, and C001 on three earlier days (history).

Prints the accounts as "role id password" lines on stdout (and "device ID NEXT_SEQ").
"""
import argparse
import datetime
import http.client
import json
import sqlite3
import ssl
import sys

PASSWORD = {
    "center": "Center2026ok", "staff2": "Center2026ok", "parent": "Parent2026ok",
    "district": "Nowon2026ok", "pending": "Gangnam2026ok",
}
SEOUL = datetime.timezone(datetime.timedelta(hours=9))


class Hub:
    def __init__(self, url, ca, cert=None, key=None):
        host, port = url.split("//", 1)[1].rsplit(":", 1)
        self.host, self.port = host.strip("/"), int(port.strip("/"))
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.check_hostname = False
        if cert:
            self.ctx.load_cert_chain(cert, key)
        self.cookie = None
        self.csrf = None
        self.token = None

    def call(self, method, path, body=None, ok=(200, 201, 202)):
        c = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=15)
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if self.cookie:
            h["Cookie"] = self.cookie
            if self.csrf:
                h["X-CSRF-Token"] = self.csrf
        c.request(method, path, json.dumps(body) if body is not None else None, h)
        r = c.getresponse()
        data = r.read()
        c.close()
        out = json.loads(data) if data else {}
        if r.status not in ok:
            sys.exit(f"seed_portal: {method} {path}: {r.status} {data[:300]!r}")
        sc = r.getheader("Set-Cookie")
        if sc and sc.startswith("kium_session="):
            self.cookie = sc.split(";", 1)[0]
        return out

    def login(self, account, password):
        s = Hub.__new__(Hub)
        s.__dict__.update(self.__dict__)
        s.token, s.cookie, s.csrf = None, None, None
        out = s.call("POST", "/api/v1/session", {"id": account, "password": password})
        s.csrf = out.get("csrf_token")
        return s


def hhmm(dt):
    return dt.strftime("%H:%M")


def outbox(db, template, key):
    row = sqlite3.connect(db).execute(
        "SELECT params FROM notification_outbox WHERE template = ? ORDER BY id DESC LIMIT 1",
        (template,)).fetchone()
    return json.loads(row[0])[key]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--city", required=True, help="the city officer's id")
    ap.add_argument("--city-password", required=True)
    ap.add_argument("--now", type=int, required=True, help="UTC ms")
    ap.add_argument("--device", help="DEVICE_ID,CERT,KEY: post taps as this reader")
    a = ap.parse_args()

    now = datetime.datetime.fromtimestamp(a.now / 1000, SEOUL)
    today = now.date()
    # Bookings stay inside the day: clamp the relative hours to 00:00-23:59.
    def at(minutes):
        t = now + datetime.timedelta(minutes=minutes)
        if t.date() < today:
            t = datetime.datetime.combine(today, datetime.time(0, 0), SEOUL)
        if t.date() > today:
            t = datetime.datetime.combine(today, datetime.time(23, 59), SEOUL)
        return t

    op = Hub(a.url, a.ca)
    op.token = a.token
    y = today.year
    d0 = datetime.date(y, 1, 1)
    n = (datetime.date(y + 1, 1, 1) - d0).days
    names = ["봄학기", "여름방학", "가을학기", "겨울방학"]
    terms = [{"name": names[i], "start": str(d0 + datetime.timedelta(days=n * i // 4)),
              "end": str(d0 + datetime.timedelta(days=n * (i + 1) // 4 - 1)),
              "open": "00:00", "close": "23:59", "meal": True, "snack": True} for i in range(4)]
    op.call("PUT", f"/api/v1/terms/{y}", {"terms": terms})
    # The care route sets the kind; the capacity is the district's approval of a request.
    op.call("PUT", "/api/v1/facilities/NWUK015/care", {"kind": "general"})
    if op.call("GET", "/api/v1/facilities/NWUK015/care").get("capacity") != 5:
        req = op.call("POST", "/api/v1/facilities/NWUK015/capacity-requests",
                      {"capacity": 5, "reason": "개소 정원"})
        op.call("POST", f"/api/v1/facilities/NWUK015/capacity-requests/{req['id']}/decision",
                {"decision": "approve"})

    fac = [("노원구 우리동네키움센터 16호점", "NW", "UK", "general", "상계동", 99.0),
           ("강남구 우리동네키움센터 1호점", "GN", "UK", "hub", "역삼동", 132.0),
           ("마포구 열린육아방 3호", "MP", "CC", None, "망원동", 66.0),
           ("송파구 지역아동센터 1호", "SP", "GI", None, "문정동", 82.5)]
    codes = {}
    for name, dist, typ, kind, dong, area in fac:
        body = {"name": name, "district": dist, "type": typ, "dong": dong, "ages": "elementary",
                "address": f"서울특별시 {dong} 1-1", "latitude": 37.55, "longitude": 127.0,
                "email": "kium@example.kr", "area_m2": area, "operating": True}
        if kind:
            body["kind"] = kind
        codes[name] = op.call("POST", "/api/v1/facilities", body)["code"]
    nw2 = codes[fac[0][0]]

    # Children and today's bookings, registered by staff (offline: approved at once); a child
    # the hub already holds (kiumctl child add, as make run does) is booked as it is.
    def book(cid, name, s, e):
        body = {"child": cid, "kind": "temporary", "start": str(today), "start_time": hhmm(s),
                "end_time": hhmm(e)}
        r = op.call("POST", "/api/v1/facilities/NWUK015/bookings", body, ok=(201, 404))
        if "error" in r:
            r = op.call("POST", "/api/v1/facilities/NWUK015/bookings", {**body, "child_name": name})
        return r

    kids = [("C001", "김민수", -60, 240), ("C002", "이서연", -30, 240), ("C003", "박지호", 120, 180),
            ("C004", "최유나", -60, 240), ("C005", "정하준", -180, 90)]
    for cid, name, start, length in kids:
        s = at(start)
        e = max(at(start + length), s + datetime.timedelta(minutes=1))
        e = min(e, datetime.datetime.combine(today, datetime.time(23, 59), SEOUL))
        if e <= s:
            s = e - datetime.timedelta(minutes=1)
        book(cid, name, s, e)
    # More offline registrations until one waits (C007 first; hours decide who competes).
    for i in range(7, 16):
        r = book(f"C{i:03d}", ["윤서아", "임지안", "한예준", "오시우", "서하린", "신유찬", "권나윤",
                                "황민재", "안소율"][i - 7], at(-60), at(180))
        if r.get("state") == "waiting":
            break
    for uid, cid in [("04a1b2c3", "C001"), ("04d5e6f7a8b9c0", "C002"), ("1a2b3c4d", "C003"),
                     ("5e6f7a8b", "C005")]:
        op.call("POST", "/api/v1/facilities/NWUK015/cards", {"uid": uid, "child": cid}, ok=(201, 409))

    # Accounts.
    first = "Temp2026first"  # staff change the password their officer chose at the first login
    op.call("POST", "/api/v1/facilities/NWUK015/accounts",
            {"name": "이센터", "password": first, "password_confirm": first})
    op.call("PUT", "/api/v1/accounts/NWUK015001/roles", {"roles": [{"role": "center", "type": "UK"}]})
    Hub(a.url, a.ca).login("NWUK015001", first).call(
        "POST", "/api/v1/session/password",
        {"current_password": first, "password": PASSWORD["center"], "password_confirm": PASSWORD["center"]})
    op.call("POST", "/api/v1/facilities/NWUK015/accounts",
            {"name": "김선생", "password": first, "password_confirm": first})
    op.call("PUT", "/api/v1/accounts/NWUK015002/roles", {"roles": [{"role": "center", "type": "UK"}]})
    op.call("POST", f"/api/v1/facilities/{nw2}/accounts",
            {"name": "정담당", "password": PASSWORD["staff2"], "password_confirm": PASSWORD["staff2"]})
    center = Hub(a.url, a.ca).login("NWUK015001", PASSWORD["center"])
    center.call("POST", "/api/v1/facilities/NWUK015/capacity-requests",
                {"capacity": 8, "reason": "프로그램실 확장(전용면적 26.4㎡ 추가)"})
    anon = Hub(a.url, a.ca)
    anon.call("POST", "/api/v1/phone-verification", {"phone": "010-0000-1001"})
    anon.call("POST", "/api/v1/signup/parent",
              {"id": "mom01", "password": PASSWORD["parent"], "password_confirm": PASSWORD["parent"],
               "name": "김엄마", "phone": "010-0000-1001",
               "phone_code": outbox(a.db, "phone_verify", "code")})
    mom = anon.login("mom01", PASSWORD["parent"])
    mom.call("POST", "/api/v1/children/C001/guardians", {})
    op.call("POST", "/api/v1/children/C001/guardians/mom01/confirm", {})
    tomorrow = today + datetime.timedelta(days=1)
    mom.call("POST", "/api/v1/facilities/NWUK015/bookings",
             {"child": "C001", "kind": "temporary", "start": str(tomorrow), "start_time": "14:00",
              "end_time": "18:00",
              "documents": {"application": True, "privacy_consent": True, "pickup_consent": "online",
                            "first_aid_consent": "online", "going_home_consent": "online",
                            "admission_docs": True}})
    for acc, name, dist, phone, pw in [("nwofficer", "박담당", "NW", "010-0000-2001", PASSWORD["district"]),
                                       ("gnofficer", "최담당", "GN", "010-0000-2002", PASSWORD["pending"])]:
        anon.call("POST", "/api/v1/phone-verification", {"phone": phone})
        code = outbox(a.db, "phone_verify", "code")
        anon.call("POST", "/api/v1/signup/district",
                  {"id": acc, "password": pw, "password_confirm": pw, "name": name, "duty": "UK",
                   "district": dist, "phone": phone, "office_phone": "02-0000-3000",
                   "email": f"{acc}@example.kr", "phone_code": code})
    city = anon.login(a.city, a.city_password)
    city.call("POST", "/api/v1/accounts/nwofficer/approval", {"state": "approved"})

    if a.device:
        dev, cert, key = a.device.split(",")
        d = Hub(a.url, a.ca, cert, key)
        boot = "6f1c2a3e-0000-4000-8000-00000000d3e0"
        taps = []
        def tap(uid, t, direction):
            ms = int(t.timestamp() * 1000)
            taps.append({"seq": len(taps) + 1, "uid": uid, "wall_ms": ms, "boot_id": boot,
                         "mono_ms": 1000 + len(taps), "clock": "synced", "dir": direction,
                         "result": "arrival" if direction == "in" else "departure"})
        for back in (3, 2, 1):   # history: C001 on three earlier days
            day = datetime.datetime.combine(today - datetime.timedelta(days=back), datetime.time(14, 5 * back), SEOUL)
            tap("04a1b2c3", day, "in")
            tap("04a1b2c3", day + datetime.timedelta(hours=3, minutes=back), "out")
        tap("5e6f7a8b", at(-175), "in")
        tap("5e6f7a8b", at(-100), "out")
        tap("04a1b2c3", at(-65), "in")
        tap("deadbeef", at(-20), "in")
        d.call("POST", "/api/v1/device/taps",
               {"device": dev, "boot_id": boot, "mono_ms": 5000, "wall_ms": a.now, "clock": "synced",
                "taps": taps})

        print(f"device {dev} {len(taps) + 1}")   # the reader's next sequence number
    print(f"city {a.city} {a.city_password}")
    print(f"district nwofficer {PASSWORD['district']}")
    print(f"district-pending gnofficer {PASSWORD['pending']}")
    print(f"center NWUK015001 {PASSWORD['center']}")
    print(f"center-norole {nw2}001 {PASSWORD['staff2']}")
    print(f"center-first NWUK015002 {first}")
    print(f"parent mom01 {PASSWORD['parent']}")


if __name__ == "__main__":
    main()
