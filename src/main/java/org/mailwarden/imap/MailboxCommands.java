package org.mailwarden.imap;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.mailwarden.store.Mailbox;
import org.mailwarden.store.MailboxExistsException;
import org.mailwarden.store.Mailboxes;
import org.mailwarden.store.MessageInfo;
import org.mailwarden.store.NewMessage;
import org.mailwarden.store.QuotaService;
import org.mailwarden.store.SpecialUse;
import org.mailwarden.store.SystemFlag;

/**
 * The mailbox commands of an authenticated IMAP session: CREATE, DELETE, RENAME, SUBSCRIBE, LIST/LSUB, STATUS,
 * APPEND and the quota commands (RFC 9208).
 */
record MailboxCommands(SessionContext session, ImapServer server) {

    void create(String tag, String name) throws IOException {
        String created = stripTrailingDelimiter(name);
        checkNew(created);
        session.account().create(created);
        session.ok(tag, "CREATE completed");
    }

    void delete(String tag, String name) throws IOException {
        if (name.equals("INBOX")) {
            session.tagged(tag, "NO [CANNOT] INBOX cannot be deleted");
            return;
        }
        SelectedMailbox selected = session.selected();
        if (selected != null && selected.name.equals(name)) {
            session.deselect();
            session.untagged("OK [CLOSED] Mailbox closed");
        }
        session.account().delete(name);
        session.ok(tag, "DELETE completed");
    }

    void rename(String tag, String from, String to) throws IOException {
        if (to.equals("INBOX")) {
            session.tagged(tag, "NO [ALREADYEXISTS] INBOX exists");
            return;
        }
        if (from.equals("INBOX")) {
            renameInbox(tag, stripTrailingDelimiter(to));
            return;
        }
        try {
            String renamed = stripTrailingDelimiter(to);
            checkNew(renamed);
            session.account().rename(from, renamed);
        } catch (MailboxExistsException e) {
            session.tagged(tag, "NO [ALREADYEXISTS] Mailbox already exists: " + to);
            return;
        }
        SelectedMailbox selected = session.selected();
        if (selected != null && (selected.name.equals(from) || selected.name.startsWith(from + "."))) {
            session.deselect();
            session.untagged("OK [CLOSED] Mailbox renamed");
        }
        session.ok(tag, "RENAME completed");
    }

    /**
     * RENAME INBOX (RFC 3501 6.3.5): INBOX's messages move to a new mailbox of that name and INBOX stays, empty;
     * its sub-folders are not renamed. Sessions with INBOX selected see the messages expunged.
     */
    private void renameInbox(String tag, String to) throws IOException {
        checkNew(to);
        try {
            session.account().renameInbox(to);
        } catch (MailboxExistsException e) {
            session.tagged(tag, "NO [ALREADYEXISTS] Mailbox already exists: " + to);
            return;
        }
        session.ok(tag, "RENAME completed");
    }

    /**
     * A name for a mailbox to be made (CREATE, RENAME's target): valid as any name, and canonical modified UTF-7 whose
     * characters are valid too (RFC 3501 5.1.3), so that no encoding smuggles in what the plain name may not have.
     */
    static void checkNew(String name) {
        Mailboxes.validate(name);
        Mailboxes.validate(ModifiedUtf7.decode(name));
    }

    void subscribe(String tag, String name, boolean on) throws IOException {
        session.account().subscribe(name, on);
        session.ok(tag, (on ? "SUBSCRIBE" : "UNSUBSCRIBE") + " completed");
    }

    void list(String tag, ImapCommand.ListMailboxes l) throws IOException {
        String verb = l.lsub() ? "LSUB" : "LIST";
        if (l.patterns().size() == 1 && l.patterns().getFirst().isEmpty()) {
            session.untagged(verb + " (\\Noselect) \"" + Mailboxes.DELIMITER + "\" \"\"");
            session.ok(tag, verb + " completed");
            return;
        }
        List<String> all = session.account().names();
        Set<String> existing = new LinkedHashSet<>(all);
        Set<String> subscribed = new LinkedHashSet<>(session.account().subscriptions());
        // names that exist only as parents of other folders (Maildir++ keeps each level separately)
        Set<String> names = new java.util.TreeSet<>((a, b) -> a.equals("INBOX") ? (b.equals("INBOX") ? 0 : -1)
                : b.equals("INBOX") ? 1 : a.compareTo(b));
        withParents(all, names);
        if (l.lsub()) {
            withParents(subscribed, names);
        } else if (l.subscribedOnly()) {
            names.addAll(subscribed);
        }
        for (String name : names) {
            String matched = null;
            for (String p : l.patterns()) {
                if (ListPattern.matches(l.reference() + p, name)) {
                    matched = l.reference() + p;
                    break;
                }
            }
            if (matched == null) {
                continue;
            }
            boolean isSubscribed = subscribed.contains(name);
            // LSUB: a parent that is not subscribed itself stands, \Noselect, for subscribed children that the
            // pattern's '%' does not reach (RFC 3501 6.3.9)
            boolean standIn = l.lsub() && !isSubscribed && hasSubscribedChildBeyond(name, matched, subscribed);
            if ((l.lsub() || l.subscribedOnly()) && !isSubscribed && !standIn) {
                continue;
            }
            String special = session.account().specialUse(name).map(MailboxCommands::attribute).orElse(null);
            if (l.specialUseOnly() && special == null) {
                continue;
            }
            List<String> attrs = new ArrayList<>();
            if (!existing.contains(name) || standIn) {
                attrs.add(l.lsub() || !l.subscribedOnly() ? "\\Noselect" : "\\NonExistent");
            }
            if (!l.lsub()) {
                boolean children = false;
                for (String other : names) {
                    if (other.startsWith(name + Mailboxes.DELIMITER)) {
                        children = true;
                        break;
                    }
                }
                attrs.add(children ? "\\HasChildren" : "\\HasNoChildren");
                if (special != null && existing.contains(name)) {
                    attrs.add(special);
                }
                if ((l.returnSubscribed() || l.subscribedOnly()) && isSubscribed) {
                    attrs.add("\\Subscribed");
                }
            }
            session.write(new ImapWriter().raw("* " + verb + " (" + String.join(" ", attrs) + ") \""
                    + Mailboxes.DELIMITER + "\" ").mailbox(name).raw("\r\n").bytes());
        }
        session.ok(tag, verb + " completed");
    }

    /** Adds the names and every parent level of them. */
    private static void withParents(Collection<String> of, Set<String> names) {
        for (String n : of) {
            names.add(n);
            int dot = n.lastIndexOf(Mailboxes.DELIMITER);
            while (dot > 0) {
                names.add(n.substring(0, dot));
                dot = n.lastIndexOf(Mailboxes.DELIMITER, dot - 1);
            }
        }
    }

    /** Whether a subscribed mailbox below {@code name} is one that {@code pattern} does not match. */
    private static boolean hasSubscribedChildBeyond(String name, String pattern, Set<String> subscribed) {
        for (String s : subscribed) {
            if (s.startsWith(name + Mailboxes.DELIMITER) && !ListPattern.matches(pattern, s)) {
                return true;
            }
        }
        return false;
    }

    void status(String tag, ImapCommand.Status s) throws IOException {
        if (!session.account().exists(s.mailbox())) {
            session.tagged(tag, "NO [NONEXISTENT] Mailbox does not exist: " + s.mailbox());
            return;
        }
        Mailbox folder = session.account().acquire(s.mailbox());
        try {
            folder.refresh();
            List<? extends MessageInfo> all = folder.messages();
            List<String> parts = new ArrayList<>();
            for (String item : s.items()) {
                switch (item) {
                    case "MESSAGES" -> parts.add("MESSAGES " + all.size());
                    case "RECENT" -> parts.add("RECENT " + folder.recentCount());
                    case "UIDNEXT" -> parts.add("UIDNEXT " + folder.nextUid());
                    case "UIDVALIDITY" -> parts.add("UIDVALIDITY " + folder.uidValidity());
                    case "UNSEEN" -> parts.add("UNSEEN " + all.stream()
                            .filter(m -> !m.flags().has(SystemFlag.SEEN)).count());
                    case "DELETED" -> parts.add("DELETED " + all.stream()
                            .filter(m -> m.flags().has(SystemFlag.DELETED)).count());
                    case "HIGHESTMODSEQ" -> {
                        session.enableCondstore();
                        parts.add("HIGHESTMODSEQ " + folder.highestModseq());
                    }
                    case "SIZE" -> {
                        long size = 0;
                        for (MessageInfo m : all) {
                            size += folder.virtualSize(m);
                        }
                        parts.add("SIZE " + size);
                    }
                    default -> throw new IllegalArgumentException("Unknown STATUS item " + item);
                }
            }
            session.write(new ImapWriter().raw("* STATUS ").mailbox(s.mailbox())
                    .raw(" (" + String.join(" ", parts) + ")\r\n").bytes());
        } finally {
            session.account().release(folder);
        }
        session.ok(tag, "STATUS completed");
    }

    /**
     * What APPEND can be refused for before its message is read (so that the refusal comes instead of the "+"):
     * the reply, or null.
     */
    String refuseAppend(ImapCommand.Append a) throws IOException {
        if (!session.account().exists(a.mailbox())) {
            return "NO [TRYCREATE] Mailbox does not exist: " + a.mailbox();
        }
        if (a.size() == 0) {
            return "NO Empty message";
        }
        // on disk a message takes at least half its network size (a line end is one octet there, not two)
        if (!server.quotas.allows(session.login(), (a.size() + 1) / 2)) {
            return OVER_QUOTA;
        }
        return null;
    }

    /** Delivers APPEND's message to a stream as it comes from the client; false if it did not come whole. */
    @FunctionalInterface
    interface MessageSource {
        boolean sendTo(OutputStream out) throws IOException;
    }

    /**
     * APPEND (not refused by {@link #refuseAppend}): the message goes from {@code source} to a file in the folder's
     * tmp/ as it arrives, never whole in memory, and then into cur/ with its sizes in the name.
     */
    void append(String tag, ImapCommand.Append a, MessageSource source) throws IOException {
        Mailbox folder = session.account().acquire(a.mailbox());
        long uid;
        try (NewMessage message = folder.newMessage()) {
            if (!source.sendTo(message.out())) {
                return;
            }
            message.finish();
            if (!server.quotas.allows(session.login(), message.storedSize())) {
                session.tagged(tag, OVER_QUOTA);
                return;
            }
            uid = message.commit(Flags.parse(a.flags()), a.date() != null ? a.date() : Instant.now());
        } finally {
            session.account().release(folder);
        }
        session.okCode(tag, "APPENDUID " + folder.uidValidity() + " " + uid, "APPEND completed", true);
    }

    // ---- quota (RFC 9208) -------------------------------------------------------------------------------

    void getQuotaRoot(String tag, String mailbox) throws IOException {
        if (!session.account().exists(mailbox)) {
            session.tagged(tag, "NO [NONEXISTENT] Mailbox does not exist: " + mailbox);
            return;
        }
        QuotaService.Usage u = server.quotas.usage(session.login());
        ImapWriter w = new ImapWriter().raw("* QUOTAROOT ").mailbox(mailbox);
        if (u.limited()) {
            w.raw(" ").mailbox(QuotaService.ROOT);
        }
        session.write(w.raw("\r\n").bytes());
        if (u.limited()) {
            untaggedQuota(u);
        }
        session.ok(tag, "GETQUOTAROOT completed");
    }

    void getQuota(String tag, String root) throws IOException {
        QuotaService.Usage u = server.quotas.usage(session.login());
        if (!root.equalsIgnoreCase(QuotaService.ROOT) || !u.limited()) {
            session.tagged(tag, "NO [NONEXISTENT] No such quota root");
            return;
        }
        untaggedQuota(u);
        session.ok(tag, "GETQUOTA completed");
    }

    /** STORAGE is in units of 1024 octets (RFC 9208 5.1). */
    private void untaggedQuota(QuotaService.Usage u) {
        session.write(new ImapWriter().raw("* QUOTA ").mailbox(QuotaService.ROOT).raw(" (STORAGE " + u.bytes() / 1024
                + " " + u.limit() / 1024 + ")\r\n").bytes());
    }

    static final String OVER_QUOTA = "NO [OVERQUOTA] Quota exceeded (mailbox for user is full)";

    /** The LIST attribute of a special use (RFC 6154 2). */
    static String attribute(SpecialUse use) {
        return switch (use) {
            case DRAFTS -> "\\Drafts";
            case SENT -> "\\Sent";
            case JUNK -> "\\Junk";
            case TRASH -> "\\Trash";
            case ARCHIVE -> "\\Archive";
        };
    }

    private static String stripTrailingDelimiter(String name) {
        return name.endsWith(String.valueOf(Mailboxes.DELIMITER)) ? name.substring(0, name.length() - 1)
                : name;
    }
}
