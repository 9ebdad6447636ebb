package org.mailwarden.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The header section steps see, parsed with bounds, and the fields they may add. */
class HeaderSectionTest {

    private static HeaderSection parse(String message) throws IOException {
        return HeaderSection.parse(new BufferedInputStream(new ByteArrayInputStream(
                message.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void fieldsAreUnfoldedAndTheBodyIsNotRead() throws IOException {
        InputStream in = new BufferedInputStream(new ByteArrayInputStream(("Subject: one\r\n two\r\n"
                + "From: <a@b.test>\r\nsubject:x\r\n\r\nBody: not a field\r\n").getBytes(StandardCharsets.UTF_8)));
        HeaderSection h = HeaderSection.parse(in);
        assertThat(h.complete()).isTrue();
        assertThat(h.fields()).extracting(HeaderSection.Field::name).containsExactly("Subject", "From", "subject");
        assertThat(h.values("SUBJECT")).containsExactly("one two", "x");
        assertThat(h.first("from")).hasValue("<a@b.test>");
        assertThat(h.first("Body")).isEmpty();
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("Body: not a field\r\n");
    }

    @Test
    void aMessageWithoutAnEmptyLineIsAllHeaderAndIncomplete() throws IOException {
        HeaderSection h = parse("A: 1\r\nB: 2");
        assertThat(h.complete()).isFalse();
        assertThat(h.fields()).extracting(HeaderSection.Field::value).containsExactly("1", "2");
    }

    @Test
    void theBoundsStopTheParse() throws IOException {
        HeaderSection many = parse("X: y\r\n".repeat(HeaderSection.MAX_FIELDS + 10) + "\r\n");
        assertThat(many.fields()).hasSize(HeaderSection.MAX_FIELDS);
        assertThat(many.complete()).isFalse();
        // the field the bound cuts is left out; those before it are kept
        HeaderSection big = parse("A: 1\r\nX: " + "y".repeat(HeaderSection.MAX_OCTETS) + "\r\n\r\n");
        assertThat(big.complete()).isFalse();
        assertThat(big.fields()).extracting(HeaderSection.Field::name).containsExactly("A");
    }

    @Test
    void aFieldToAddMayBeFoldedButCarriesNoOtherLineBreak() {
        assertThat(new String(new HeaderField("X-Spam", "no;\r\n\tscore=0").bytes(), StandardCharsets.UTF_8))
                .isEqualTo("X-Spam: no;\r\n\tscore=0\r\n");
        assertThatThrownBy(() -> new HeaderField("X-Evil", "a\r\nBcc: x@y"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HeaderField("X Bad", "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HeaderField("X-Nul", "a\0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HeaderField("X-Lf", "a\n b")).isInstanceOf(IllegalArgumentException.class);
    }
}
