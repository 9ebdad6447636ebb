# Every IMAP command group of issue #5 through Python's imaplib, as a mail client would send them.
# Run by ImapEveryCommandClientsTest with PORT and MODE ("starttls" on 143, "imaps" on 993) set above this line.
# Each check prints "ok <what>"; a failed check raises, so the process exits non-zero with the reason.
import base64, imaplib, re, ssl, time

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
USER, PASSWORD = 'alice@example.test', 'secret-alice'


def ok(result, what):
    typ, data = result
    assert typ == 'OK', (what, typ, data)
    print('ok', what)
    return data


def flat(data):
    out = []
    for d in data:
        if isinstance(d, tuple):
            out.extend(x.decode('utf-8', 'replace') if isinstance(x, bytes) else str(x) for x in d)
        elif d is not None:
            out.append(d.decode('utf-8', 'replace') if isinstance(d, bytes) else str(d))
    return ' '.join(out)


def no(call, what, code=None):
    """A refusal: imaplib raises for BAD (and some NOs), returns 'NO' for others; code: the response code."""
    try:
        typ, data = call()
    except imaplib.IMAP4.error as e:
        assert code is None or code in str(e), (what, e)
        print('ok', what, 'refused:', e)
        return
    assert typ == 'NO', (what, 'not refused', typ, data)
    assert code is None or code in flat(data), (what, data)
    print('ok', what, 'refused:', flat(data))


# --- connection: CAPABILITY, STARTTLS, LOGIN refused in clear text, AUTHENTICATE PLAIN, NOOP ---
if MODE == 'imaps':
    m = imaplib.IMAP4_SSL('127.0.0.1', PORT, ssl_context=ctx, timeout=20)
else:
    m = imaplib.IMAP4('127.0.0.1', PORT, timeout=20)
    assert 'LOGINDISABLED' in m.capabilities and 'STARTTLS' in m.capabilities, m.capabilities
    no(lambda: m.login(USER, PASSWORD), 'login before tls')
    ok(m.starttls(ssl_context=ctx), 'starttls')
ok(m.capability(), 'capability')
for cap in ('IMAP4REV1', 'AUTH=PLAIN', 'IDLE', 'UIDPLUS', 'MOVE', 'NAMESPACE', 'SPECIAL-USE', 'LITERAL+', 'ENABLE',
            'ID', 'UNSELECT', 'CHILDREN', 'CONDSTORE'):
    assert cap in m.capabilities, (cap, m.capabilities)
no(lambda: m.authenticate('PLAIN', lambda _: b'\0' + USER.encode() + b'\0wrong'), 'authenticate bad password')
ok(m.authenticate('PLAIN', lambda _: b'\0' + USER.encode() + b'\0' + PASSWORD.encode()), 'authenticate plain')
ok(m.noop(), 'noop')
ns = flat(ok(m.namespace(), 'namespace'))
assert ns.startswith('(("" "."))'), ns
typ, data = m.xatom('ID', '("name" "imaplib")')
assert typ == 'OK', data
ident = flat(m.response('ID')[1])
assert 'Mailwarden' in ident, ident
print('ok id')
ok(m.enable('CONDSTORE'), 'enable')
enabled = flat(m.response('ENABLED')[1])
assert 'CONDSTORE' in enabled, enabled

# --- mailboxes: LIST (special-use, children), CREATE, SUBSCRIBE/UNSUBSCRIBE, LSUB, RENAME, DELETE, STATUS ---
lst = flat(ok(m.list(), 'list'))
for use in ('\\Sent', '\\Drafts', '\\Junk', '\\Trash', '\\Archive'):
    assert use in lst, (use, lst)
ok(m.create('Projects'), 'create')
ok(m.create('Projects.2026'), 'create child')
no(lambda: m.create('Projects'), 'create existing', '[ALREADYEXISTS]')
lst = flat(ok(m.list('""', 'Projects*'), 'list pattern'))
assert re.search(r'\(\\HasChildren\) "\." "?Projects"?( |$)', lst), lst
ok(m.subscribe('Projects'), 'subscribe')
assert 'Projects' in flat(ok(m.lsub('""', '*'), 'lsub'))
ok(m.unsubscribe('Projects'), 'unsubscribe')
assert 'Projects' not in flat(ok(m.lsub('""', 'Proj*'), 'lsub after unsubscribe'))
ok(m.rename('Projects', 'Clients'), 'rename')
lst = flat(ok(m.list('""', '*'), 'list after rename'))
assert 'Clients.2026' in lst and 'Projects' not in lst, lst
ok(m.delete('Clients.2026'), 'delete')
no(lambda: m.delete('INBOX'), 'delete inbox')
assert 'Clients.2026' not in flat(ok(m.list('""', 'Clients*'), 'list after delete'))

# --- APPEND (flags, date, UTF-8, multipart), with APPENDUID ---
date = imaplib.Time2Internaldate(time.mktime((2026, 2, 2, 10, 0, 0, 0, 0, -1)))
plain = (b'From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: first plain\r\n'
         b'Date: Mon, 2 Feb 2026 10:00:00 +0000\r\nMessage-ID: <p1@example.test>\r\n\r\nhello world\r\n')
utf8 = ('From: =?utf-8?q?J=C3=BCrgen?= <juergen@example.test>\r\nTo: alice@example.test\r\n'
        'Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\nMIME-Version: 1.0\r\n'
        'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        'Schöne Grüße\r\n').encode('utf-8')
multi = (b'From: carol@example.test\r\nTo: alice@example.test\r\nSubject: with attachment\r\nMIME-Version: 1.0\r\n'
         b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n'
         b'--b1\r\nContent-Type: text/csv; name="data.csv"\r\nContent-Disposition: attachment; filename="data.csv"\r\n\r\n'
         b'a,b\r\n1,2\r\n--b1--\r\n')
r = ok(m.append('INBOX', '(\\Flagged)', date, plain), 'append')
assert 'APPENDUID' in flat(r), r
ok(m.append('INBOX', None, None, utf8), 'append utf-8')
ok(m.append('INBOX', '(\\Seen $Work)', None, multi), 'append multipart with keyword')

# --- SELECT, FETCH (every item), BODY.PEEK vs BODY ---
exists = flat(ok(m.select('INBOX'), 'select'))
assert exists == '3', exists
assert m.response('UIDVALIDITY')[1][0], 'uidvalidity'
d = flat(ok(m.fetch('1:3', '(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)'), 'fetch attributes'))
assert 'INTERNALDATE " 2-Feb-2026 10:00:00 ' in d and '"first plain"' in d and '\\Flagged' in d, d
assert '("text" "csv"' in d.lower() and '"mixed"' in d.lower(), d
d = flat(ok(m.fetch('1', '(RFC822.HEADER)'), 'fetch rfc822.header'))
assert 'Subject: first plain' in d
d = flat(ok(m.fetch('1', '(BODY.PEEK[TEXT])'), 'fetch body.peek'))
assert 'hello world' in d
assert '\\Seen' not in flat(ok(m.fetch('1', '(FLAGS)'), 'fetch flags after peek'))
d = flat(ok(m.fetch('1', '(BODY[TEXT]<0.5>)'), 'fetch partial'))
assert 'hello' in d and 'world' not in d, d
assert '\\Seen' in flat(ok(m.fetch('1', '(FLAGS)'), 'fetch flags after body')), 'BODY sets \\Seen'
d = flat(ok(m.fetch('3', '(BODY.PEEK[2] BODY.PEEK[2.MIME] BODY.PEEK[HEADER.FIELDS (SUBJECT)])'), 'fetch sections'))
assert 'a,b' in d and 'filename="data.csv"' in d and 'Subject: with attachment' in d, d
d = flat(ok(m.fetch('1', '(RFC822)'), 'fetch rfc822'))
assert 'Subject: first plain' in d and 'hello world' in d
d = flat(ok(m.fetch('1', '(RFC822.TEXT)'), 'fetch rfc822.text'))
assert 'hello world' in d and 'Subject' not in d, d
d = flat(ok(m.fetch('2', '(BODY.PEEK[TEXT])'), 'fetch utf-8 text'))
assert 'Schöne Grüße' in d, d

# --- SEARCH: keys, UTF-8 charset ---
def search(*criteria, charset=None):
    return flat(ok(m.search(charset, *criteria), 'search ' + ' '.join(map(str, criteria)))).split()


def expect_search(expected, *criteria, charset=None):
    got = search(*criteria, charset=charset)
    assert got == expected, (criteria, 'expected', expected, 'got', got)

expect_search(['1', '2', '3'], 'ALL')
expect_search(['1'], 'FLAGGED')
expect_search(['2'], 'UNSEEN')
expect_search(['3'], 'KEYWORD', '$Work')
expect_search(['1'], 'FROM', 'bob')
expect_search(['1', '3'], 'OR', 'FROM', 'bob', 'FROM', 'carol')
expect_search(['2'], 'NOT', 'SEEN')
expect_search(['1'], 'SINCE', '1-Feb-2026', 'BEFORE', '3-Feb-2026')
expect_search(['3'], 'LARGER', '300')
expect_search(['3'], 'BODY', 'attached')
expect_search(['1'], 'HEADER', 'Message-ID', 'p1@example.test')
expect_search(['2', '3'], 'UID', '2:3')
m.literal = 'Grüße'.encode('utf-8')
expect_search(['2'], 'SUBJECT', charset='UTF-8')
m.literal = 'schöne'.encode('utf-8')
expect_search(['2'], 'TEXT', charset='UTF-8')
got = search('MODSEQ', '1')
assert got[:3] == ['1', '2', '3'] and got[3] == '(MODSEQ', got  # RFC 7162 3.1.5: the highest modseq found

# --- STORE, COPY, UID variants, CHECK ---
d = flat(ok(m.store('2', '+FLAGS', '(\\Answered $Label1)'), 'store +flags'))
assert '\\Answered' in d and '$Label1' in d, d
d = flat(ok(m.store('2', '-FLAGS', '($Label1)'), 'store -flags'))
assert '$Label1' not in d, d
ok(m.store('2', 'FLAGS.SILENT', '(\\Seen)'), 'store flags.silent')
assert flat(ok(m.fetch('2', '(FLAGS)'), 'fetch after silent store')).count('\\Seen') == 1
r = ok(m.copy('1:2', 'Archive'), 'copy')
assert 'COPYUID' in flat(r) or m.response('COPYUID')[1][0], r
uids = flat(ok(m.uid('SEARCH', None, 'ALL'), 'uid search')).split()
assert uids == ['1', '2', '3'], uids
d = flat(ok(m.uid('FETCH', '3', '(FLAGS)'), 'uid fetch'))
assert 'UID 3' in d, d
d = flat(ok(m.uid('STORE', '3', '+FLAGS', '(\\Flagged)'), 'uid store'))
assert 'UID 3' in d and '\\Flagged' in d, d
ok(m.uid('COPY', '3', 'Archive'), 'uid copy')
ok(m.check(), 'check')

# --- EXPUNGE, UID EXPUNGE, MOVE, UID MOVE ---
ok(m.store('1', '+FLAGS', '(\\Deleted)'), 'store deleted')
assert flat(ok(m.expunge(), 'expunge')).split() == ['1']
ok(m.uid('STORE', '3', '+FLAGS', '(\\Deleted)'), 'uid store deleted')
ok(m.uid('STORE', '2', '+FLAGS', '(\\Deleted)'), 'uid store deleted 2')
typ, data = m.uid('EXPUNGE', '3')
expunged = flat(m.response('EXPUNGE')[1]).split()
assert typ == 'OK' and expunged == ['2'], (typ, expunged)  # only UID 3 (now seq 2) goes
print('ok uid expunge')
ok(m.store('1', '-FLAGS', '(\\Deleted)'), 'undelete')
ok(m.uid('MOVE', '2', 'Clients'), 'uid move')
st = flat(ok(m.status('Clients', '(MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT)'), 'status'))
assert 'MESSAGES 1' in st, st
st = flat(ok(m.status('Archive', '(MESSAGES)'), 'status archive'))
assert 'MESSAGES 3' in st, st
assert flat(ok(m.select('INBOX'), 'select again')) == '0'

# --- EXAMINE (read-only), UNSELECT, CLOSE ---
assert flat(ok(m.select('Archive', readonly=True), 'examine')) == '3'
assert m.response('READ-ONLY')[1] != [None], 'EXAMINE answers OK [READ-ONLY]'
no(lambda: m.store('1', '+FLAGS', '(\\Deleted)'), 'store in examine')
ok(m.unselect(), 'unselect')
ok(m.select('Archive'), 'select archive')
ok(m.store('1', '+FLAGS', '(\\Deleted)'), 'store before close')
ok(m.close(), 'close')
st = flat(ok(m.status('Archive', '(MESSAGES)'), 'status after close'))
assert 'MESSAGES 2' in st, st  # CLOSE expunged silently

# --- IDLE (imaplib 3.11 has no idle(): the raw exchange) ---
ok(m.select('INBOX'), 'select for idle')
tag = m._new_tag()
m.send(tag + b' IDLE\r\n')
assert m.readline().startswith(b'+'), 'idle continuation'
m.send(b'DONE\r\n')
while True:
    line = m.readline()
    if line.startswith(tag):
        assert b'OK' in line, line
        break
print('ok idle')

# --- quota (no limit set: no quota root), bad commands get BAD and the session goes on ---
ok(m.getquotaroot('INBOX'), 'getquotaroot')
try:
    m.xatom('FROBNICATE')
    raise AssertionError('unknown command accepted')
except imaplib.IMAP4.error as e:
    assert 'BAD' in str(e), e
print('ok bad command')
ok(m.noop(), 'noop after bad')
typ, data = m.logout()
assert typ == 'BYE', (typ, data)
print('ok logout')
print('DONE', MODE)
