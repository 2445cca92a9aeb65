#!/usr/bin/env python3
"""Writes the hand-made seeds of the fuzz corpora (tests/fuzz/corpus/*/seed-*).

Only needed to change the seeds: the generated files are committed, and
`make fuzz-merge` adds fuzzer-found inputs beside them.  Run from the
repository root:  python3 tests/fuzz/seeds.py

The layouts are the ones described at the top of fuzz_request.c,
fuzz_token.c, fuzz_parse.c and fuzz_cfg.c; fuzz_defl.c takes raw bytes.
"""
import base64
import hashlib
import json
import os
import random
import re
import struct
import sys
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)))
NULL = b"\xfe"          # a CGI variable that is not set
SEP = b"\xff"
CFG_B = 1               # flag: CORS allow-list, TOKEN_MAX_EXPIRY=600
TOO_LARGE = 2           # flag: body_too_large
BAD_LENGTH = 4          # flag: bad_length (CONTENT_LENGTH not a number)


def limits():
    """REQ_MAX_* from src/req.h, so the boundary seeds follow the code."""
    with open(os.path.join(ROOT, "..", "..", "src", "req.h")) as f:
        return {m.group(1): int(m.group(2)) for m in
                re.finditer(r"#define REQ_MAX_(\w+)\s+(\d+)", f.read())}


LIMIT = limits()


def b(s):
    return s if isinstance(s, bytes) else s.encode("latin-1")


def clean():
    """Removes the old hand-made seeds (fuzzer-found files stay)."""
    for t in ("request", "token", "parse", "cfg", "defl"):
        d = os.path.join(ROOT, "corpus", t)
        if os.path.isdir(d):
            for n in os.listdir(d):
                if n.startswith("seed-"):
                    os.remove(os.path.join(d, n))


def write(target, name, data):
    d = os.path.join(ROOT, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- fuzz_request ------------------------------------------------------

def request(name, method="GET", path="/", query=None, flags=0,
            mount="root", ctype=None, origin=None, body=b"",
            uri=None, sn=None, pi=None, sf=None):
    """One request as a web server at the given mount style sends it.

    mount: root (lighttpd at /: SCRIPT_NAME ""), nginx (SCRIPT_NAME is the
    whole decoded path, no PATH_INFO), prefix (/token + PATH_INFO), cgi
    (/cgi-bin/t.cgi + PATH_INFO + SCRIPT_FILENAME).
    """
    path = b(path)
    q = b"" if query is None else b"?" + b(query)
    decoded = re.sub(rb"%([0-9A-Fa-f]{2})",
                     lambda m: bytes([int(m.group(1), 16)]), path)
    if mount == "root":
        d_uri, d_sn, d_pi, d_sf = path + q, b"", NULL, NULL
    elif mount == "nginx":
        d_uri, d_sn, d_pi, d_sf = path + q, decoded, NULL, NULL
    elif mount == "prefix":
        d_uri, d_sn, d_pi, d_sf = (b"/token" + path + q, b"/token",
                                   decoded, b"/srv/agora-token-fcgi")
    elif mount == "cgi":
        d_uri, d_sn, d_pi, d_sf = (b"/cgi-bin/t.cgi" + path + q,
                                   b"/cgi-bin/t.cgi", decoded,
                                   b"/usr/lib/cgi-bin/t.cgi")
    else:
        raise ValueError(mount)
    fields = [
        NULL if method is None else b(method),
        d_uri if uri is None else b(uri),
        d_sn if sn is None else b(sn),
        d_pi if pi is None else b(pi),
        d_sf if sf is None else b(sf),
        NULL if query is None else b(query),
        NULL if ctype is None else b(ctype),
        NULL if origin is None else b(origin),
        b(body),
    ]
    write("request", name, bytes([flags]) + SEP.join(fields))


def post(name, body, ctype="application/json", **kw):
    request(name, method="POST", path=kw.pop("path", "/getToken"),
            ctype=ctype, body=body, **kw)


def request_seeds():
    ch = "7d72365eb983485397e3e3f9d460bdda"
    # every route, good answers, each mount style
    request("root", path="/")
    request("root-head", method="HEAD", path="/")
    request("ping", path="/ping")
    request("ping-head", method="HEAD", path="/ping/")
    for m in ("nginx", "prefix", "cgi"):
        request("ping-" + m, path="/ping", mount=m)
        request("rtc-" + m, path="/rtc/%s/publisher/uid/42" % ch,
                query="expiry=600", mount=m)
    request("rtc-pub-uid", path="/rtc/test/publisher/uid/42/",
            query="expiry=600")
    request("rtc-sub-account", path="/rtc/test/subscriber/userAccount/bob")
    request("rtc-uid0", path="/rtc/test/audience/uid/0")
    request("rtc-uid-max", path="/rtc/a/HOST/uid/4294967295")
    request("rtc-uid-zeros", path="/rtc/a/2/uid/000000000000042")
    request("rtc-account-0", path="/rtc/a/1/userAccount/0")
    request("rtc-channel-64", path="/rtc/" + "c" * 64 + "/1/uid/1")
    request("rtc-channel-symbols",
            path="/rtc/a%20!%23$%25%26()+-:;%3C=.%3E%3F@[]%5E_%7B%7D%7C~,"
                 "/1/uid/1")
    request("rtc-account-255", path="/rtc/a/1/userAccount/" + "u" * 255)
    request("rtm", path="/rtm/alice/")
    request("rtm-printable", path="/rtm/%21%22%27*%2F%5C~")
    request("rte", path="/rte/test/publisher/uid/42/")
    request("rte-rtmuid", path="/rte/test/subscriber/uid/0/bob",
            query="expiry=60")
    request("rte-account", path="/rte/test/publisher/userAccount/bob/carol")
    request("chat-app", path="/chat/app/", query="expiry=86400")
    request("chat-account", path="/chat/account/alice")
    # bad paths and values
    request("404", path="/nope")
    request("404-deep", path="/a/b/c/d/e/f/g/h/i/j")
    request("404-rtc-short", path="/rtc/a/1/uid")
    request("dot", path="/rtc/./ping")
    request("dotdot", path="/rtc/../ping")
    request("dotdot-encoded", path="/%2e%2E/ping")
    request("double-slash", path="//ping")
    request("pct-bad", path="/rtm/a%G1")
    request("pct-short", path="/rtm/a%4")
    request("pct-end", path="/rtm/a%")
    request("pct-nul", path="/rtm/a%00b")
    request("pct-slash", path="/rtc/a%2Fb/publisher/uid/1", mount="cgi")
    request("pct-slash-nginx", path="/rtm/a%2fb", mount="nginx")
    request("overlong-utf8", path="/rtm/%C0%AF%C0%AE")
    request("utf8-in-channel", path="/rtc/%C3%A9t%C3%A9/1/uid/1")
    request("utf8-raw-rtm", path=b"/rtm/\xc3\xa9\xe2\x80\xa8")
    request("crlf-in-path", path="/rtm/a%0d%0aSet-Cookie:%20x=1")
    request("raw-ctl-in-path", path=b"/rtm/a\r\nb\x01")
    request("role-bad", path="/rtc/a/admin/uid/1")
    request("tokentype-bad", path="/rtc/a/1/UID/1")
    request("tokentype-escaped", path="/rtc/a/1/x%0d%0ay%ff/1")
    request("uid-big", path="/rtc/a/1/uid/4294967296")
    request("uid-huge", path="/rtc/a/1/uid/" + "9" * 40)
    request("uid-zeros-huge", path="/rtc/a/1/uid/" + "0" * 300 + "1")
    request("uid-sign", path="/rtc/a/1/uid/+1")
    request("uid-minus", path="/rtc/a/1/uid/-1")
    request("uid-space", path="/rtc/a/1/uid/%201")
    request("uid-hex", path="/rtc/a/1/uid/0x10")
    request("uid-exp", path="/rtc/a/1/uid/1e3")
    request("channel-65", path="/rtc/" + "c" * 65 + "/1/uid/1")
    request("channel-empty", path="/rtc//1/uid/1")
    request("account-256", path="/rtc/a/1/userAccount/" + "u" * 256)
    request("rtm-0", path="/rtm/0")
    request("rtm-space", path="/rtm/%20a")
    request("rtm-65", path="/rtm/" + "r" * 65)
    request("rtm-del", path="/rtm/a%7f")
    request("rte-uid0", path="/rte/a/publisher/uid/0")
    request("rte-long-account", path="/rte/a/1/userAccount/" + "u" * 100)
    request("chat-space", path="/chat/account/%20x")
    # query strings
    for q in ("expiry=0", "expiry=86401", "expiry=60&expiry=7200",
              "expiry=60&exp%69ry=60", "expiry=+60", "expiry=%2B60",
              "expiry=6%30", "expiry=" + "9" * 30, "expiry=-1", "expiry=",
              "expiry", "&&&expiry=5&&", "a=1&b&=c&expiry=7&z=%zz",
              "%zz=1", "expiry=1%00", "EXPIRY=5", "expiry=0x10",
              "expiry=1e3", "expiry= 5", "x=" + "%41" * 200 + "&expiry=3"):
        request("query-" + q[:40], path="/rtm/alice", query=q)
    # the length limits, at and just past them
    qmax, pmax = LIMIT["QUERY"], LIMIT["PATH"]
    request("query-at-limit", path="/rtm/a",
            query="expiry=9&x=" + "b" * (qmax - 11))
    request("query-414", path="/ping", query="a=" + "b" * (qmax - 1))
    request("path-at-limit", path="/rtm/" + "a" * (pmax - 5))
    request("path-414", path="/rtm/" + "a" * (pmax - 4))
    request("path-414-prefix", path="/ping/" + "a" * pmax, mount="prefix")
    request("path-414-pathinfo", path="/x", uri=NULL, sn="/x.cgi",
            pi="/" + "p" * pmax, sf="/x")
    request("query-null-uri-has-query", path="/chat/app",
            uri="/chat/app?expiry=0")
    # methods
    request("options", method="OPTIONS", path="/rtc/a/1/uid/1")
    request("options-404", method="OPTIONS", path="/nope")
    request("delete", method="DELETE", path="/ping")
    request("get-gettoken", method="GET", path="/getToken")
    request("head-rtc", method="HEAD", path="/rtc/a/1/uid/1")
    request("post-ping", method="POST", path="/ping")
    request("method-lower", method="get", path="/ping")
    request("method-null", method=None, path="/ping")
    request("method-empty", method="", path="/ping")
    # mount-point corner cases
    request("prefix-root", path="", mount="prefix")
    request("prefix-root-slash", path="/", mount="prefix")
    request("cgi-root", path="", mount="cgi")
    request("uri-not-under-sn", path="/ping", uri="/tok%65n/ping",
            sn="/token", pi="/ping", sf="/x")
    request("pathinfo-only", path="/ping", uri=NULL, sn="/x.cgi",
            pi="/ping", sf="/x")
    request("pathinfo-slash", path="/rtm/a/b", uri=NULL, sn="/x.cgi",
            pi="/rtm/a/b", sf="/x")
    request("everything-null", uri=NULL, sn=NULL, pi=NULL, sf=NULL)
    request("sn-trailing-slash", path="/ping", uri="/token/ping",
            sn="/token/", pi="ping", sf="/x")
    request("sn-longer-than-uri", path="/", uri="/t", sn="/token")
    request("nginx-fake-sf", path="/ping", mount="nginx", sf="/var/www/p")
    request("nginx-sf-unknown", path="/other", mount="nginx", sf="/x")
    # POST /getToken, JSON
    jt = '{"tokenType":"rtc","channel":"test","role":"publisher",' \
         '"uid":"42","expire":600}'
    post("json-rtc", jt)
    post("json-rtc-int-uid", '{"tokenType":"rtc","channel":"%s","role":2,'
         '"uid":2882341273,"expire":600}' % ch)
    post("json-rtc-account", '{"tokenType":"rtc","channel":"c",'
         '"role":"audience","uid":"bob"}')
    post("json-rtm", '{"tokenType":"rtm","uid":"alice"}')
    post("json-rtm-channel", '{"tokenType":"rtm","uid":"alice",'
         '"channel":"room","expire":0}')
    post("json-rtm-empty-channel", '{"tokenType":"rtm","uid":"alice",'
         '"channel":""}')
    post("json-chat-app", '{"tokenType":"chat"}')
    post("json-chat-user", '{"tokenType":"chat","uid":2882341273}')
    post("json-chat-empty-uid", '{"tokenType":"chat","uid":""}')
    post("json-charset", '{"tokenType":"chat"}',
         ctype="application/json; charset=utf-8")
    post("json-ctype-case", '{"tokenType":"chat"}',
         ctype="  Application/JSON ;x=y")
    post("json-dup", '{"tokenType":"chat","tokenType":"rtm"}')
    post("json-nul-escape", '{"tokenType":"rtm","uid":"a\\u0000b"}')
    post("json-nul-raw", b'{"tokenType":"rtm","uid":"a\x00b"}')
    post("json-nul-after", b'{"tokenType":"chat"}\x00')
    post("json-trailing", '{"tokenType":"chat"} {}')
    post("json-array", '[{"tokenType":"chat"}]')
    post("json-string", '"chat"')
    post("json-empty", "")
    post("json-nested-array", "[" * 3000 + "]" * 3000)
    post("json-nested-object", '{"a":' * 1500 + "1" + "}" * 1500)
    post("json-nested-in-field", '{"tokenType":"chat","uid":' +
         "[" * 100 + "]" * 100 + "}")
    post("json-bad-utf8", b'{"tokenType":"rtm","uid":"\xc0\xaf"}')
    post("json-bad-utf8-key", b'{"\xff":1,"tokenType":"chat"}')
    post("json-bad-token", b'{"tokenType":tru\xc3\xa9}')
    post("json-surrogate", '{"tokenType":"rtm","uid":"\\ud800"}')
    post("json-unicode-uid", '{"tokenType":"rtm","uid":"\\u00e9"}')
    post("json-crlf-uid", '{"tokenType":"rtm","uid":"a\\r\\nb"}')
    post("json-expire-string", '{"tokenType":"chat","expire":"600"}')
    post("json-expire-neg", '{"tokenType":"chat","expire":-1}')
    post("json-expire-big", '{"tokenType":"chat","expire":86401}')
    post("json-expire-huge", '{"tokenType":"chat","expire":1e30}')
    post("json-expire-real", '{"tokenType":"chat","expire":600.0}')
    post("json-expire-int64", '{"tokenType":"chat",'
         '"expire":99999999999999999999}')
    post("json-uid-float", '{"tokenType":"rtm","uid":1.5}')
    post("json-uid-bool", '{"tokenType":"rtm","uid":true}')
    post("json-uid-null", '{"tokenType":"rtm","uid":null}')
    post("json-uid-neg", '{"tokenType":"rtc","channel":"c","role":1,'
         '"uid":-1}')
    post("json-uid-big", '{"tokenType":"rtc","channel":"c","role":1,'
         '"uid":4294967296}')
    post("json-uid-0", '{"tokenType":"rtc","channel":"c","role":1,"uid":0}')
    post("json-uid-str-0", '{"tokenType":"rtm","uid":"0"}')
    post("json-role-3", '{"tokenType":"rtc","channel":"c","role":3,'
         '"uid":1}')
    post("json-role-obj", '{"tokenType":"rtc","channel":"c","role":{},'
         '"uid":1}')
    post("json-uid-long", '{"tokenType":"rtc","channel":"c","role":1,'
         '"uid":"%s"}' % ("u" * 300))
    post("json-no-type", '{"uid":"a"}')
    post("json-bad-type", '{"tokenType":"RTC\\u0001"}')
    post("json-rtc-missing", '{"tokenType":"rtc"}')
    post("json-rtc-no-role", '{"tokenType":"rtc","channel":"c"}')
    post("json-rtc-no-uid", '{"tokenType":"rtc","channel":"c","role":1}')
    post("json-extra-fields", '{"x":[1,{"y":null}],"tokenType":"chat",'
         '"z":"\\u2028"}')
    # POST /getToken, form
    form = "application/x-www-form-urlencoded"
    post("form-rtc", "tokenType=rtc&channel=%s&role=audience&uid=2882341273"
         "&expire=600" % ch, ctype=form)
    post("form-rtm", "tokenType=rtm&uid=test%5Fuser&expire=600", ctype=form)
    post("form-rtm-channel", "tokenType=rtm&uid=a+b&channel=r%20c",
         ctype=form)
    post("form-chat", "tokenType=chat&&uid=alice&", ctype=form)
    post("form-dup", "tokenType=chat&tokenType=rtm", ctype=form)
    post("form-dup-encoded", "tokenType=chat&token%54ype=rtm", ctype=form)
    post("form-pct-nul", "tokenType=rtm&uid=a%00", ctype=form)
    post("form-raw-nul", b"tokenType=rtm&uid=a\x00", ctype=form)
    post("form-bad-pct", "tokenType=rtm&uid=%zz", ctype=form)
    post("form-bad-key", "%zz=1&tokenType=chat", ctype=form)
    post("form-no-eq", "tokenType&uid", ctype=form)
    post("form-expire-0", "tokenType=chat&expire=00", ctype=form)
    post("form-expire-plus", "tokenType=chat&expire=+1", ctype=form)
    post("form-long-value", "tokenType=rtm&uid=" + "%41" * 300, ctype=form)
    post("form-long-key", "k" * 200 + "=1&tokenType=chat", ctype=form)
    post("form-utf8", "tokenType=rtm&uid=%C3%A9", ctype=form)
    post("form-empty", "", ctype=form)
    post("form-json-body", '{"tokenType":"chat"}', ctype=form)
    post("media-text", '{"tokenType":"chat"}', ctype="text/plain")
    post("media-none", '{"tokenType":"chat"}', ctype=None)
    post("media-prefix", '{"tokenType":"chat"}',
         ctype="application/jsonx")
    post("body-too-large", '{"tokenType":"chat"}', flags=TOO_LARGE)
    post("bad-length", '{"tokenType":"chat"}', flags=BAD_LENGTH)
    request("bad-length-get", path="/rtm/a", flags=BAD_LENGTH)
    # CORS, both configurations
    request("cors-any", path="/ping", origin="https://evil.example")
    request("cors-empty", path="/ping", origin="")
    request("cors-crlf", path="/ping",
            origin="https://a.example\r\nSet-Cookie: x=1")
    request("cors-lf", path="/ping", origin="https://a.example\nX: y")
    request("cors-crlf-nospace", path="/rtm/a",
            origin="https://a.example\r\nSet-Cookie:x=1")
    request("cors-tab", path="/ping", origin="https://a.example\t")
    request("cors-ctl", method="OPTIONS", path="/ping",
            origin="https://a.example\x01")
    request("cors-space", path="/ping", origin="https://a.example x")
    request("cors-nonascii", path="/ping", origin=b"https://\xc3\xa9.example")
    request("cors-del", path="/ping", origin="https://a\x7f")
    request("cors-long", path="/ping", origin="https://" + "a" * 1020)
    request("cors-1024", path="/ping", origin="https://" + "a" * 1016)
    request("cors-preflight", method="OPTIONS", path="/getToken",
            origin="https://app.example.com")
    request("b-cors-listed", path="/rtm/alice", flags=CFG_B,
            origin="https://app.example.com")
    request("b-cors-listed-2", path="/ping", flags=CFG_B,
            origin="http://localhost:3000")
    request("b-cors-listed-3", method="OPTIONS", path="/rtm/a", flags=CFG_B,
            origin="https://b.example:8443")
    request("b-cors-unlisted", path="/ping", flags=CFG_B,
            origin="https://app.example.com.evil")
    request("b-cors-prefix", path="/ping", flags=CFG_B,
            origin="https://app.example.co")
    request("b-cors-case", path="/ping", flags=CFG_B,
            origin="HTTPS://APP.EXAMPLE.COM")
    request("b-cors-star", path="/ping", flags=CFG_B, origin="*")
    request("b-cors-null", path="/ping", flags=CFG_B, origin="null")
    request("b-no-origin", path="/rtm/alice", flags=CFG_B)
    request("b-expiry-600", path="/rtm/alice", flags=CFG_B,
            query="expiry=600")
    request("b-expiry-601", path="/rtm/alice", flags=CFG_B,
            query="expiry=601")
    post("b-json-expire", '{"tokenType":"chat","expire":601}', flags=CFG_B)
    post("b-json-default", '{"tokenType":"rtm","uid":"x"}', flags=CFG_B,
         origin="https://app.example.com")
    # the layout's own corners
    write("request", "empty", b"")
    write("request", "flags-only", b"\x03")
    write("request", "few-fields", b"\x00GET\xff/ping")


# ---- fuzz_token --------------------------------------------------------

RTC, RTM, CHAT = 0, 1, 2         # type selectors (type byte % 3)


def s(x):
    x = b(x)
    if len(x) < 0x80:
        return bytes([len(x)]) + x
    return bytes([0x80 | (len(x) >> 8), len(x) & 0xff]) + x


def noise(n, seed):
    """n bytes that deflate cannot shrink (deterministic)."""
    out = b""
    while len(out) < n:
        out += hashlib.sha256(b"%d-%d" % (seed, len(out))).digest()
    return out[:n]


def fill(n, c):
    """A string of n copies of byte c (fuzz_token's 0xff form)."""
    return b"\xff" + struct.pack("<HB", n, c)


def service(sel, privs, *strings):
    """privs: list of (key, value); a key over 7 is written as a u16."""
    out = bytes([sel | (len(privs) << 2)])
    for k, v in privs:
        if 0 <= k <= 7:
            out += bytes([k])
        else:
            out += b"\x80" + struct.pack("<H", k)
        out += struct.pack("<I", v)
    for x in strings:
        out += x if x[:1] == b"\xff" else s(x)
    return out


def recipe(name, services, ts=1111111, exp=600, salt=1, n=None, tail=b""):
    n = len(services) if n is None else n
    data = bytes([n]) + struct.pack("<III", ts, exp, salt)
    write("token", name, data + b"".join(services) + tail)


def token_seeds():
    ch = "7d72365eb983485397e3e3f9d460bdda"
    recipe("rtc-join", [service(RTC, [(1, 600)], ch, "2882341273")])
    recipe("rtc-pub", [service(RTC, [(1, 600), (2, 600), (3, 600),
                                     (4, 600)], ch, "")])
    recipe("rtm", [service(RTM, [(1, 600)], "test_user")])
    recipe("chat-app", [service(CHAT, [(2, 600)], "")])
    recipe("chat-user", [service(CHAT, [(1, 600)], "2882341273")])
    recipe("mixed-order", [service(CHAT, [(1, 5)], "c"),
                           service(RTC, [(4, 1), (1, 2)], "ch", "u"),
                           service(RTM, [(1, 3)], "r"),
                           service(RTC, [(1, 9)], "ch2", "")])
    recipe("dup-privs", [service(RTC, [(3, 1), (1, 2), (3, 7), (1, 4)],
                                 "a", "b")])
    recipe("u16-keys", [service(RTM, [(0xffff, 0xffffffff), (0x100, 0),
                                      (0xffff, 1)], "x")])
    recipe("8-privs", [service(RTC, [(k, k) for k in range(8)], "c", "")])
    recipe("9-privs", [service(RTC, [(k, k) for k in range(9)], "c", "")])
    recipe("0-services", [])
    recipe("8-services", [service(i % 3, [(1, i)], "s%d" % i, "t")
                          for i in range(8)])
    recipe("9-services", [service(RTM, [], "x")] * 9)
    recipe("long-strings", [service(RTC, [(1, 1)], "c" * 511, "u" * 511)])
    recipe("incompressible", [service(RTC, [], noise(450, 2 * i),
                                      noise(450, 2 * i + 1))
                              for i in range(4)])
    recipe("fill-ok", [service(RTC, [(1, 1)], fill(3000, 0x61), fill(9, 0)),
                       service(CHAT, [(1, 1)], fill(5000, 0x7e))])
    recipe("fill-content-max", [service(RTM, [(1, 1)], fill(16300, 0x61)),
                                service(CHAT, [], fill(100, 0x62))])
    recipe("fill-too-long", [service(RTC, [(1, 1)], fill(20000, 0x61),
                                     fill(20000, 0x62))])
    recipe("extremes", [service(CHAT, [(0, 0)], "")], ts=0xffffffff,
           exp=0xffffffff, salt=0)
    recipe("tamper-sig", [service(RTM, [(1, 1)], "x")], tail=b"\x10\x00A")
    recipe("tamper-tail", [service(RTM, [(1, 1)], "x")], tail=b"\xff\x00=")
    # real tokens: the vectors' tokens, for the raw tok_decode path
    with open(os.path.join(ROOT, "..", "data", "token-vectors.json")) as f:
        vectors = json.load(f)["vectors"]
    for v in vectors:
        for key in ("expected_token", "other_encoder_token"):
            if v.get(key):
                write("token", "vector-%s-%s" % (v["id"], key[:5]),
                      v[key].encode())
    # their inflated contents, for the content parser (mode 4)
    for v in vectors:
        if v.get("format") == "007" and v.get("payload_hex"):
            write("token", "content-" + v["id"], bytes.fromhex(v["payload_hex"]))
    write("token", "prefix-only", b"007")
    write("token", "bad-b64", b"007eJ==")
    write("token", "not-007", b"006abc")


# ---- fuzz_parse --------------------------------------------------------

def parse_seeds():
    texts = [
        "", "%2F", "a%2fb+c", "%00", "%", "%4", "%GG", "%%41", "+", "%2B",
        "%C0%AF", "%E2%80%A8", "a/b%2Fc/%2f", "4294967295", "4294967296",
        "0", "00000000000000000000001", "18446744073709551616",
        "-1", "+1", " 1", "1 ", "0x10", "1e3", "600", "86400", "86401",
        "expiry=60&expiry=7200&&a&=b&c=", "&&&", "=", "a==b&=&",
        "publisher", "PUBLISHER", "Subscriber", "1", "host",
        "7d72365eb983485397e3e3f9d460bdda", " !#$%&()+-:;<=.>?@[]^_{}|~,",
        "a\x7fb", "\x00", "a\x00b", "\xff\xfe", "\\\"'`*/",
    ]
    params = [(0, 0, 7), (1, 1, 5), (2, 3, 3), (9, 0, 0), (0x20, 7, 7)]
    for i, t in enumerate(texts):
        p = params[i % len(params)]
        write("parse", "%02d" % i, bytes(p) + b(t))
    write("parse", "long-pct", bytes([0, 0, 7]) + b"%41" * 1000)
    write("parse", "long-query", bytes([1, 0, 7]) +
          b"&".join(b"k%d=v%d" % (i, i) for i in range(300)))
    write("parse", "small-dst", bytes([4, 0, 7]) + b"abc%2F")


# ---- fuzz_cfg ----------------------------------------------------------

def cfg_seeds():
    ok = ("APP_ID=970CA35de60c44645bbae8a215061b33\n"
          "APP_CERTIFICATE=5CFd2fd1755d40ecb72977518be15d3b\n")
    with open(os.path.join(ROOT, "..", "..", "fcgi.conf.example")) as f:
        example = f.read()
    files = {
        "example": example,
        "example-filled": example.replace("APP_ID=\n", "APP_ID=970CA35de6"
                                          "0c44645bbae8a215061b33\n")
                                 .replace("APP_CERTIFICATE=\n",
                                          "APP_CERTIFICATE=5CFd2fd1755d40ec"
                                          "b72977518be15d3b\n"),
        "minimal": ok,
        "env-style": "export APP_ID='970CA35de60c44645bbae8a215061b33'\r\n"
                     "  export\tAPP_CERTIFICATE = \"5CFd2fd1755d40ecb72977518"
                     "be15d3b\"  \r\n# comment\n\n",
        "cors-list": ok + "CORS_ALLOW_ORIGIN= https://app.example.com ,"
                          "http://localhost:3000,,\t\n",
        "cors-star": ok + "CORS_ALLOW_ORIGIN=*\n",
        "cors-star-list": ok + "CORS_ALLOW_ORIGIN=https://a.example, *\n",
        "cors-empty": ok + "CORS_ALLOW_ORIGIN=\n",
        "cors-65": ok + "CORS_ALLOW_ORIGIN=" +
                   ",".join("https://o%d.example" % i for i in range(65)) +
                   "\n",
        "max-600": ok + "TOKEN_MAX_EXPIRY=600\n",
        "max-0": ok + "TOKEN_MAX_EXPIRY=0\n",
        "max-over": ok + "TOKEN_MAX_EXPIRY=86401\n",
        "max-zeros": ok + "TOKEN_MAX_EXPIRY=00000000000000000001\n",
        "max-sign": ok + "TOKEN_MAX_EXPIRY=+5\n",
        "cert-short": "APP_ID=970CA35de60c44645bbae8a215061b33\n"
                      "APP_CERTIFICATE=secret-not-hex-value\n",
        "cert-long": "APP_CERTIFICATE=5CFd2fd1755d40ecb72977518be15d3bb\n",
        "unknown-key": ok + "APP_SECRET=x\n",
        "no-equals": ok + "APP_ID\n",
        "nul": ok + "CORS_ALLOW_ORIGIN=a\0b\n",
        "quotes-mismatch": "APP_ID=\"970CA35de60c44645bbae8a215061b33'\n",
        "long-value": ok + "CORS_ALLOW_ORIGIN=" + "a" * 4097 + "\n",
        "dup-keys": ok + ok.replace("33", "34"),
        "no-newline": ok.rstrip("\n"),
        "empty": "",
    }
    for name, text in files.items():
        write("cfg", name, b(text))


# ---- fuzz_defl -----------------------------------------------------------

def defl_seeds():
    """Token contents from the vectors, and inputs for each zlib path."""
    with open(os.path.join(ROOT, "..", "data", "token-vectors.json")) as f:
        vectors = json.load(f)["vectors"]
    for v in vectors:
        tok = v.get("expected_token") or ""
        if tok.startswith("007"):
            write("defl", "vector-" + v["id"],
                  zlib.decompress(base64.b64decode(tok[3:])))
    with open(os.path.join(ROOT, "..", "..", "src", "defl.h")) as f:
        in_max = int(re.search(r"#define DEFL_IN_MAX\s+(\d+)",
                               f.read()).group(1))
    rng = random.Random(7)
    for n in (1, 2, 3, 4, 7):
        write("defl", "equal-%d" % n, b"a" * n)
    write("defl", "zeros-max", bytes(in_max))
    write("defl", "zeros-over-max", bytes(in_max + 1))
    write("defl", "random-64", bytes(rng.randrange(256) for _ in range(64)))
    write("defl", "period-3", b"abc" * 300)
    write("defl", "period-7-long", (b"0123456" * 1200)[:in_max])
    write("defl", "lazy", b"abcabcabcXabcabcabcabcY")
    write("defl", "runs", b"".join(bytes([rng.randrange(3)]) *
                                   rng.randrange(1, 400) for _ in range(20)))
    text = bytes(48 + rng.randrange(64) for _ in range(5000))
    write("defl", "far-matches", text[:4100] + text[:5] + text[4105:])
    for i in range(4):      # geometric frequencies: length-limit repairs
        k, q = 3 + rng.randrange(40), 0.3 + rng.random() * 0.69
        out = bytearray()
        for _ in range(50 + rng.randrange(950)):
            sym = 0
            while sym < k - 1 and rng.random() < q:
                sym += 1
            out.append(sym * 7 + 1 if rng.randrange(2) else sym * 3 + 100)
        write("defl", "skewed-%d" % i, bytes(out))


def main():
    clean()
    request_seeds()
    token_seeds()
    parse_seeds()
    cfg_seeds()
    defl_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
