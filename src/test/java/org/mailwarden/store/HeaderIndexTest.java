package org.mailwarden.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.TestMaildir;
import org.mailwarden.mail.HeaderFields;

/**
 * SEARCH's header columns give the answer that looking at each message's header gives (RFC 3501 6.4.4: decoded,
 * case-insensitive substring of one field value), follow appends and expunges, and come back from their file
 * after a restart without reading the messages.
 */
class HeaderIndexTest {

    @TempDir
    Path dir;

    static final List<String> MESSAGES = List.of(
            "From: Ann <ann@example.test>\nTo: bob@x.test\nTo: carol@y.test\nSubject: Hello World\n\nbody From: zed\n",
            "From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.test>\nSubject: =?UTF-8?B?Q2Fmw6kgbWVudQ==?=\n\nx\n",
            "FROM:Upper <UP@EXAMPLE.TEST>\r\nSubject: folded\r\n  line two\r\n\tline three\r\nX-Empty:\r\n\r\nx\r\n",
            "Subject: \u0394\u0399\u0391\u039b\u039f\u0393\u039f\u03a3 \u4e2d\u6587\nCc: team@example.test\n\n",
            "Subject: no body, no blank line",
            "\nno header at all\nFrom: in the body\n");

    private MaildirFolder folder() throws IOException {
        TestMaildir.create(dir);
        MaildirFolder f = MaildirFolder.open(dir);
        for (String m : MESSAGES) {
            f.append(m.getBytes(StandardCharsets.UTF_8), "", Instant.now());
        }
        return f;
    }

    /** What SEARCH finds when it looks at each message itself. */
    private static List<Long> eachMessage(MaildirFolder f, String field, String value) throws IOException {
        List<Long> out = new ArrayList<>();
        for (MaildirFolder.Message m : f.messages()) {
            for (String v : HeaderFields.values(f.header(m.uid()).orElseThrow(), field)) {
                if (value.isEmpty() || HeaderFields.decode(v).toLowerCase(Locale.ROOT)
                        .contains(value.toLowerCase(Locale.ROOT))) {
                    out.add(m.uid());
                    break;
                }
            }
        }
        return out;
    }

    private static List<Long> columns(MaildirFolder f, String field, String value) throws IOException {
        long[] uids = f.headerMatches(field, value, f.messages(), true).orElseThrow();
        List<Long> out = new ArrayList<>();
        for (long u : uids) {
            out.add(u);
        }
        return out;
    }

    @Test
    void columnsAgreeWithLookingAtEachMessage() throws Exception {
        MaildirFolder f = folder();
        String[][] cases = {
            {"From", "ann"}, {"FROM", "EXAMPLE.test"}, {"from", "ren\u00e9e"}, {"From", "=?utf-8"}, {"From", ""},
            {"To", "carol@y"}, {"To", "x.testcarol"}, {"To", "x.test"}, {"To", ""},
            {"Subject", "caf\u00c9 MENU"}, {"Subject", "folded  line two\tline"}, {"Subject", "hello world"},
            {"Subject", "\u03b4\u03b9\u03b1\u03bb\u03bf\u03b3\u03bf\u03c3"}, {"Subject", "\u4e2d"}, {"Subject", "no body"},
            {"Subject", "body"}, {"Cc", "TEAM"}, {"X-Empty", ""}, {"X-Empty", "a"}, {"Missing", ""}, {"From", "zed"},
        };
        for (String[] c : cases) {
            assertThat(columns(f, c[0], c[1])).as("%s %s", c[0], c[1]).isEqualTo(eachMessage(f, c[0], c[1]));
        }
        List<Long> uids = f.messages().stream().map(MaildirFolder.Message::uid).toList();
        // a few answers spelled out, so that the two ways cannot be wrong together
        assertThat(columns(f, "Subject", "caf\u00e9")).containsExactly(uids.get(1));
        assertThat(columns(f, "To", "x.testcarol")).isEmpty(); // never across two fields
        assertThat(columns(f, "To", "test")).containsExactly(uids.get(0));
        assertThat(columns(f, "From", "")).containsExactly(uids.get(0), uids.get(1), uids.get(2));
        assertThat(columns(f, "X-Empty", "")).containsExactly(uids.get(2));
        assertThat(columns(f, "Subject", "line two")).containsExactly(uids.get(2));
        assertThat(columns(f, "From", "zed")).isEmpty(); // the body is not the header
        assertThat(f.headerMatches("From", "a\0b", f.messages(), true)).isEmpty(); // looked at message by message
        f.close();
    }

    @Test
    void columnsFollowAppendsAndExpunges() throws Exception {
        MaildirFolder f = folder();
        long first = f.messages().getFirst().uid();
        long rawHeaders = MaildirFolder.headerCacheTotal();
        assertThat(columns(f, "From", "ann")).containsExactly(first);
        assertThat(MaildirFolder.headerCacheTotal()).isEqualTo(rawHeaders); // the column stays, not the headers
        long added = f.append("From: Ann Other <ann2@example.test>\n\nx\n".getBytes(StandardCharsets.UTF_8), "",
                Instant.now());
        assertThat(columns(f, "From", "ann")).containsExactly(first, added);
        f.expunge(List.of(first));
        assertThat(columns(f, "From", "ann")).containsExactly(added);
        assertThat(columns(f, "From", "")).doesNotContain(first).contains(added);
        f.close();
    }

    @Test
    void noColumnIsBuiltForANarrowSearchButAnExistingOneIsUsed() throws Exception {
        MaildirFolder f = folder();
        assertThat(f.headerMatches("Subject", "hello", f.messages(), false)).isEmpty();
        assertThat(f.headerMatches("Subject", "hello", f.messages(), true)).isPresent();
        assertThat(f.headerMatches("Subject", "hello", f.messages(), false)).get()
                .isEqualTo(new long[] {f.messages().getFirst().uid()});
        f.close();
    }

    /** Counts the headers read from messages; fails the test if reading is not allowed. */
    static final class Reads implements HeaderIndex.Headers {
        final MaildirFolder folder;
        final AtomicInteger count = new AtomicInteger();

        Reads(MaildirFolder folder) {
            this.folder = folder;
        }

        @Override
        public String header(MaildirFolder.Message m) throws IOException {
            count.incrementAndGet();
            return folder.header(m.uid()).orElse(null);
        }
    }

    private static long[] match(HeaderIndex index, MaildirFolder f, String field, String value, Reads reads)
            throws IOException {
        return index.matching(field, value, f.messages(), f.uidValidity(), true, reads).orElseThrow();
    }

    @Test
    void columnsComeBackFromTheirFileWithoutReadingMessages() throws Exception {
        MaildirFolder f = folder();
        int n = f.messages().size();
        long before = HeaderIndex.total();
        HeaderIndex first = new HeaderIndex(dir);
        Reads reads = new Reads(f);
        long[] ann = match(first, f, "From", "ann", reads);
        long[] hello = match(first, f, "Subject", "hello", reads);
        assertThat(reads.count).hasValue(2 * n);
        assertThat(HeaderIndex.total()).isGreaterThan(before);
        first.close();
        assertThat(HeaderIndex.total()).isEqualTo(before);
        assertThat(dir.resolve(HeaderIndex.FILE)).exists();

        // a restart: From is read back alone, a new message is the only one read, and writing the file again
        // keeps the Subject column that this run never loaded
        HeaderIndex second = new HeaderIndex(dir);
        Reads reads2 = new Reads(f);
        assertThat(match(second, f, "from", "ANN", reads2)).isEqualTo(ann);
        assertThat(reads2.count).hasValue(0);
        long added = f.append("From: ann@new.test\nSubject: hello again\n\nx\n".getBytes(StandardCharsets.UTF_8),
                "", Instant.now());
        assertThat(match(second, f, "From", "ann", reads2)).endsWith(added).hasSize(ann.length + 1);
        assertThat(reads2.count).hasValue(1);
        second.close();

        HeaderIndex third = new HeaderIndex(dir);
        Reads reads3 = new Reads(f);
        assertThat(match(third, f, "Subject", "hello", reads3)).startsWith(hello).endsWith(added);
        assertThat(reads3.count).hasValue(1); // only the message added since Subject was written
        third.close();
    }

    @Test
    void aDamagedOrForeignFileIsNotBelieved() throws Exception {
        MaildirFolder f = folder();
        int n = f.messages().size();
        HeaderIndex index = new HeaderIndex(dir);
        long[] expected = match(index, f, "Subject", "o", new Reads(f));
        index.close();
        Path file = dir.resolve(HeaderIndex.FILE);
        byte[] good = Files.readAllBytes(file);

        byte[] damaged = good.clone();
        damaged[damaged.length - 2] ^= 0x20; // one letter of the text
        Files.write(file, damaged);
        Reads reads = new Reads(f);
        HeaderIndex again = new HeaderIndex(dir);
        assertThat(match(again, f, "Subject", "o", reads)).isEqualTo(expected);
        assertThat(reads.count).hasValue(n);
        again.close();

        Files.write(file, good);
        Reads other = new Reads(f);
        HeaderIndex foreign = new HeaderIndex(dir);
        Optional<long[]> r = foreign.matching("Subject", "o", f.messages(), f.uidValidity() + 1, true, other);
        assertThat(r).get().isEqualTo(expected);
        assertThat(other.count).hasValue(n); // another UIDVALIDITY: its UIDs name other messages
        foreign.close();

        Files.write(file, new byte[] {1, 2, 3});
        Reads truncated = new Reads(f);
        HeaderIndex cut = new HeaderIndex(dir);
        assertThat(match(cut, f, "Subject", "o", truncated)).isEqualTo(expected);
        assertThat(truncated.count).hasValue(n);
        cut.close();
    }

    @Test
    void aColumnOverBudgetIsNotKeptNorBuiltAgain() throws Exception {
        MaildirFolder f = folder();
        f.append(("Subject: " + "a".repeat((int) HeaderIndex.FOLDER_MAX) + "\n\nx\n").getBytes(StandardCharsets.UTF_8),
                "", Instant.now());
        long before = HeaderIndex.total();
        HeaderIndex index = new HeaderIndex(dir);
        Reads reads = new Reads(f);
        assertThat(index.matching("Subject", "a", f.messages(), f.uidValidity(), true, reads)).isEmpty();
        assertThat(reads.count).hasValue(f.messages().size());
        assertThat(HeaderIndex.total()).isEqualTo(before);
        assertThat(index.matching("Subject", "a", f.messages(), f.uidValidity(), true, reads)).isEmpty();
        assertThat(reads.count).hasValue(f.messages().size()); // the caller looks at the messages; no second build
        assertThat(match(index, f, "From", "ann", reads)).hasSize(1); // other fields still have columns
        index.close();
        f.close();
    }
}
