# Every POP3 command through Python's poplib, as a mail client sends them. Run by Pop3RealClientsTest with PORT and
# MODE ("stls" on 110, "pop3s" on 995) set above this line, on a maildrop of three messages (subjects one, two,
# dots; the third has lines that start with "."). Each check prints "ok <what>"; a failed one raises (exit non-zero).
import poplib, ssl

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
USER, PASSWORD = 'alice@example.test', 'secret-alice'


def connect():
    if MODE == 'pop3s':
        return poplib.POP3_SSL('127.0.0.1', PORT, context=ctx, timeout=20)
    p = poplib.POP3('127.0.0.1', PORT, timeout=20)
    caps = p.capa()
    assert 'STLS' in caps and 'USER' not in caps and 'SASL' not in caps, caps
    try:
        p.user(USER)
        raise AssertionError('USER accepted in clear text')
    except poplib.error_proto as e:
        assert b'[AUTH]' in e.args[0], e
    print('ok user before tls refused')
    p.stls(context=ctx)
    print('ok stls')
    return p


p = connect()
assert p.getwelcome().startswith(b'+OK'), p.getwelcome()
caps = p.capa()
for cap in ('TOP', 'UIDL', 'USER', 'SASL', 'RESP-CODES', 'PIPELINING'):
    assert cap in caps, (cap, caps)
assert caps['SASL'] == ['PLAIN', 'LOGIN'], caps
assert 'STLS' not in caps, caps
print('ok capa')
try:
    p.user(USER)
    p.pass_('wrong')
    raise AssertionError('a wrong password was accepted')
except poplib.error_proto as e:
    assert b'[AUTH]' in e.args[0], e
print('ok wrong password refused')
assert p.user(USER).startswith(b'+OK')
assert p.pass_(PASSWORD).startswith(b'+OK')
print('ok user pass')

count, size = p.stat()
assert count == 3, (count, size)
resp, listing, octets = p.list()
sizes = [int(l.split()[1]) for l in listing]
assert len(sizes) == 3 and sum(sizes) == size, (listing, size)
assert p.list(2) == b'+OK 2 %d' % sizes[1]
print('ok stat list')

resp, uidls, octets = p.uidl()
ids = [l.split()[1] for l in uidls]
assert len(set(ids)) == 3 and all(len(i) == 16 for i in ids), uidls
assert p.uidl(3).split()[2] == ids[2]
print('ok uidl', ids[0].decode())

resp, lines, octets = p.top(1, 0)
assert b'Subject: one' in lines and lines[-1] == b'', lines
resp, lines, octets = p.top(3, 2)
assert lines[-2:] == [b'.starts with a dot', b'..two dots'], lines  # poplib undoes the stuffing
print('ok top')

resp, lines, octets = p.retr(3)
body = lines[lines.index(b'') + 1:]
assert body == [b'.starts with a dot', b'..two dots', b'.', b'end'], body
assert octets >= sizes[2], (octets, sizes[2])
print('ok retr dot-stuffed')

assert p.dele(1).startswith(b'+OK')
try:
    p.retr(1)
    raise AssertionError('a deleted message was retrieved')
except poplib.error_proto:
    pass
assert p.stat()[0] == 2
assert p.rset().startswith(b'+OK')
assert p.stat()[0] == 3
print('ok dele rset')
assert p.noop().startswith(b'+OK')
assert p.dele(2).startswith(b'+OK')
assert p.quit().startswith(b'+OK')
print('ok quit')

p = connect()
p.user(USER)
p.pass_(PASSWORD)
count, size = p.stat()
assert count == 2, count
resp, uidls, octets = p.uidl()
assert [l.split()[1] for l in uidls] == [ids[0], ids[2]], (uidls, ids)  # the same UIDLs in a new session
p.quit()
print('ok deleted at quit, uidls stable')
print('DONE', MODE)
