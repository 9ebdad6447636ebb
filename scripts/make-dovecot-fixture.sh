#!/usr/bin/env bash
# Regenerates src/test/resources/dovecot-maildir: a mailbox written by the real Dovecot (Debian's, set up as
# docker-mailserver does, by ../shared/peer/start.sh) through IMAP APPENDs, flag and keyword changes, an
# expunge and an LMTP delivery; and expected.txt, Dovecot's own IMAP view of it
# (src/test/resources/dovecot-maildir-view.py). DovecotWrittenMaildirTest opens a copy with Mailwarden and
# must see the same view. Needs root (the peer runs as vmail); loopback only.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
peer="${PEER_DIR:-$here/../shared/peer}"
bash "$peer/start.sh"
box=/var/mail/example.test/user5
doveadm kick user5@example.test >/dev/null 2>&1 || true
rm -rf "$box"
python3 - <<'PY'
import imaplib, os, smtplib, time
m = imaplib.IMAP4('127.0.0.1', 143)
m.login('user5@example.test', 'password')
m.create('Work')
m.create('Work.2026')
m.subscribe('Work')

def msg(n, subject, body):
    return (f'From: sender{n}@remote.test\r\nTo: user5@example.test\r\nSubject: {subject}\r\n'
            f'Message-ID: <fixture-{n}@remote.test>\r\n\r\n{body}\r\n').encode()

date = imaplib.Time2Internaldate(time.mktime((2026, 1, 5, 9, 30, 0, 0, 0, -1)))
flags = ['(\\Seen)', '(\\Seen \\Flagged)', '()', '(\\Answered \\Seen $Forwarded)', '(\\Draft)',
         '(\\Seen NonJunk project-x)', '(\\Deleted \\Seen)', '(\\Seen)']
for i, f in enumerate(flags, 1):
    m.append('INBOX', f, date, msg(i, f'message {i}', 'line one\r\nline two' * i))
m.append('Work', '(\\Seen project-x)', date, msg(20, 'work item', 'todo'))
m.append('Work.2026', '()', date, msg(21, 'plan 2026', 'plan'))
m.select('INBOX')
m.store('3', '+FLAGS', '(\\Deleted)')  # UIDs 3 and 7 go: gaps, and Dovecot keeps their uidlist lines
m.expunge()
m.logout()
# one more through Postfix and LMTP, left unseen in new/
s = smtplib.SMTP('127.0.0.1', 25)
s.sendmail('sender9@remote.test', ['user5@example.test'], msg(9, 'delivered by lmtp', 'fresh'))
s.quit()
new = '/var/mail/example.test/user5/new'
for _ in range(100):
    if os.path.isdir(new) and os.listdir(new):
        break
    time.sleep(0.1)
else:
    raise SystemExit('the LMTP delivery did not arrive')
PY
out="$here/src/test/resources/dovecot-maildir"
python3 "$here/src/test/resources/dovecot-maildir-view.py" 127.0.0.1 143 user5@example.test password plain \
  INBOX Work Work.2026 > "$out.expected.tmp"
doveadm kick user5@example.test >/dev/null 2>&1 || true
rm -rf "$out"
mkdir -p "$out"
cp -a "$box" "$out/user5"
mv "$out.expected.tmp" "$out/expected.txt"
chown -R --reference="$here" "$out"
echo "fixture written to $out (dovecot $(dovecot --version))"
cat "$out/expected.txt"
