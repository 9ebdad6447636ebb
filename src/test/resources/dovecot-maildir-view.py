# Prints an IMAP server's view of an account, normalised so two servers can be compared line by line:
# per mailbox its UIDVALIDITY, UIDNEXT and MESSAGES, then each message's UID, flags (sorted, without \Recent),
# RFC822.SIZE and Subject; then the subscriptions. Read-only (EXAMINE). Used by scripts/make-dovecot-fixture.sh
# (against Dovecot) and DovecotWrittenMaildirTest (against Mailwarden).
# usage: python3 dovecot-maildir-view.py HOST PORT USER PASSWORD plain|tls MAILBOX...
import imaplib, re, ssl, sys

host, port, user, password, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
if mode == 'tls':
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    m = imaplib.IMAP4_SSL(host, port, ssl_context=ctx, timeout=20)
else:
    m = imaplib.IMAP4(host, port, timeout=20)
m.login(user, password)
for box in sys.argv[6:]:
    st = m.status(box, '(UIDVALIDITY UIDNEXT MESSAGES)')[1][0].decode()
    values = dict(re.findall(r'(UIDVALIDITY|UIDNEXT|MESSAGES) (\d+)', st))
    print(f"STATUS {box} MESSAGES {values['MESSAGES']} UIDNEXT {values['UIDNEXT']} UIDVALIDITY {values['UIDVALIDITY']}")
    m.select(box, readonly=True)
    typ, data = m.fetch('1:*', '(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    for d in data:
        if isinstance(d, tuple):
            head = d[0].decode()
            uid = re.search(r'UID (\d+)', head).group(1)
            flags = sorted(f for f in re.search(r'FLAGS \(([^)]*)\)', head).group(1).split() if f != '\\Recent')
            size = re.search(r'RFC822\.SIZE (\d+)', head).group(1)
            print(f"{box} UID {uid} FLAGS ({' '.join(flags)}) SIZE {size} {d[1].decode().strip()}")
    m.unselect()
for line in sorted(x.decode() for x in m.lsub()[1]):
    print('LSUB', line.replace('"', ''))
m.logout()
